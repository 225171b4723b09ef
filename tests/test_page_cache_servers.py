"""The page cache across real processes: two gunicorn app servers sharing one PostgreSQL
cluster and one Redis, all the test's own, on their own ports, stopped by their PIDs. An
edit through one server is on the other's very next request, with Redis up, stopped or
frozen."""

import json
from pathlib import Path

import pytest

from bench.servers import (
    Gunicorn,
    PostgresCluster,
    RedisServer,
    collect_static,
    fetch,
    prepare_site,
)
from tests.servers import free_port, started

pytestmark = pytest.mark.outage

ENTRIES = Path(__file__).parent / "data" / "outage"
SLUG = "nimbus-store"
# Ports of this module's servers, apart from the outage tests' and `make bench`'s.
APP_PORTS = (free_port(), free_port())
REDIS_PORT = free_port()
POSTGRES_PORT = free_port()
HUNG = 60


@pytest.fixture(scope="module")
def servers():
    collect_static()
    postgres = started(PostgresCluster(POSTGRES_PORT))
    redis = started(RedisServer(REDIS_PORT))
    apps = []
    try:
        postgres.create_database("glossary")
        env = {"DATABASE_URL": postgres.url("glossary"), "REDIS_URL": redis.url}
        token = prepare_site(env, [ENTRIES])
        env |= {"API_THROTTLE_ANON": "100000/minute", "API_THROTTLE_USER": "100000/minute"}
        apps = [started(Gunicorn(port, env)) for port in APP_PORTS]
        yield apps, redis, token
    finally:
        for app in apps:
            app.stop()
        redis.stop()
        postgres.remove()


def edit(app, token, definition):
    body = json.dumps({"definition": definition}).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    return fetch(f"{app.url}/api/v1/terms/{SLUG}/", "PATCH", body, headers, timeout=HUNG)[0]


def read(app):
    """(page status, page body, API status, API definition) as an anonymous reader sees."""
    page = fetch(f"{app.url}/terms/{SLUG}/", timeout=HUNG)
    api = fetch(f"{app.url}/api/v1/terms/{SLUG}/", timeout=HUNG)
    return page[0], page[2].decode(), api[0], json.loads(api[2])["definition"]


def cached_on_both(apps):
    """Each server has the pages in its cache (the second read of each is a hit)."""
    for app in apps:
        read(app)
        read(app)


def test_an_edit_through_one_server_is_on_the_other_at_its_next_request(servers):
    (first, second), _, token = servers
    cached_on_both((first, second))

    assert edit(first, token, "Edited through the first server.") == 200
    status, page, api_status, definition = read(second)

    assert (status, api_status) == (200, 200)
    assert "Edited through the first server." in page
    assert definition == "Edited through the first server."


def test_a_second_read_of_a_page_is_the_same_page(servers):
    (first, second), _, _ = servers
    miss = fetch(f"{second.url}/terms/{SLUG}/?fresh=1")
    hit = fetch(f"{second.url}/terms/{SLUG}/?fresh=1")

    assert miss[2] == hit[2]
    for header in ("ETag", "Content-Security-Policy", "Content-Type", "Cache-Control"):
        assert hit[1][header] == miss[1][header]


def test_with_redis_stopped_mid_run_pages_answer_and_edits_show(servers):
    (first, second), redis, token = servers
    cached_on_both((first, second))
    redis.stop()
    try:
        assert edit(first, token, "Edited while Redis was down.") == 200
        status, page, api_status, definition = read(second)
    finally:
        redis.start()

    assert (status, api_status) == (200, 200)
    assert "Edited while Redis was down." in page and definition == "Edited while Redis was down."


def test_with_redis_frozen_pages_answer_and_edits_show(servers):
    (first, second), redis, token = servers
    cached_on_both((first, second))
    redis.freeze()
    try:
        assert edit(first, token, "Edited while Redis hung.") == 200
        status, page, api_status, definition = read(second)
    finally:
        redis.thaw()

    assert (status, api_status) == (200, 200)
    assert "Edited while Redis hung." in page and definition == "Edited while Redis hung."


def test_after_redis_returns_an_edit_still_shows_on_the_other_server(servers):
    (first, second), _, token = servers
    cached_on_both((first, second))

    assert edit(second, token, "Edited after Redis came back.") == 200

    assert read(first)[3] == "Edited after Redis came back."
