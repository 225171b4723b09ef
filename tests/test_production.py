"""The production path as `make serve` runs it, with real processes: nginx in front of two
gunicorns (deploy/), on a private PostgreSQL primary with a streaming replica made by
pg_basebackup, and a private Redis. Each server is the test's own, on its own port, stopped
by its PID; replica lag is made on demand by pausing the replica's replay."""

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.servers import (
    BASE_DIR,
    PostgresCluster,
    ProductionStack,
    RedisServer,
    ReplicaCluster,
    collect_static,
    fetch,
    prepare_site,
    wait_until,
)
from tests.servers import free_port, started

pytestmark = pytest.mark.outage

ENTRIES = Path(__file__).parent / "data" / "outage"
SLUG = "nimbus-store"
PASSWORD = "a-test-editor-passphrase-7421"
# Ports reserved for this module: nginx, its two app servers, Redis, the primary, the replica.
NGINX_PORT, APP_PORTS, REDIS_PORT = free_port(), [free_port(), free_port()], free_port()
PRIMARY_PORT, REPLICA_PORT = free_port(), free_port()


@pytest.fixture(scope="module")
def databases():
    primary = started(PostgresCluster(PRIMARY_PORT))
    try:
        primary.create_database("glossary")
        replica = started(ReplicaCluster(REPLICA_PORT, primary))
        try:
            yield primary, replica
        finally:
            replica.remove()
    finally:
        primary.remove()


@pytest.fixture(scope="module")
def stack(databases):
    primary, replica = databases
    redis = started(RedisServer(REDIS_PORT))
    env = {
        "DATABASE_URL": primary.url("glossary"),
        "DATABASE_REPLICA_URLS": replica.url("glossary"),
        "REDIS_URL": redis.url,
        "GLOSSARY_EDITOR_PASSWORD": PASSWORD,
        "API_THROTTLE_ANON": "100000/minute",
        "API_THROTTLE_USER": "100000/minute",
    }
    try:
        token = prepare_site(env, [ENTRIES])
        collect_static()
        site = started(ProductionStack(NGINX_PORT, APP_PORTS, env, workers=2))
        try:
            wait_until(replica.caught_up, 30, "the replica's replay of the import")
            yield site, token
        finally:
            site.stop()
    finally:
        redis.stop()


@pytest.fixture
def lagging(databases):
    """The replica receives the primary's changes but applies none until the test ends."""
    _, replica = databases
    replica.pause_replay()
    yield
    replica.resume_replay()
    wait_until(replica.caught_up, 30, "the replica's catch-up")


def write(site, token, text):
    body = json.dumps({"definition": text}).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    status = fetch(f"{site.url}/api/v1/terms/{SLUG}/", "PATCH", body, headers)[0]
    assert status == 200


def api_definition(site, headers=None):
    status, _, body, _ = fetch(f"{site.url}/api/v1/terms/{SLUG}/", headers=headers)
    assert status == 200
    return json.loads(body)["definition"]


def page(site, opener=None):
    url = f"{site.url}/terms/{SLUG}/"
    if opener is None:
        return fetch(url)[2].decode()
    with opener.open(url, timeout=30) as response:
        return response.read().decode()


def signed_in(site):
    """An opener holding an editor's admin session, signed in through nginx."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = f"{site.url}/admin/login/"
    form = opener.open(login, timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {
        "csrfmiddlewaretoken": csrf,
        "username": "soak-editor",
        "password": PASSWORD,
        "next": "/admin/",
    }
    body = urllib.parse.urlencode(fields).encode()
    with opener.open(urllib.request.Request(login, data=body, headers={"Referer": login})) as r:
        assert r.url.endswith("/admin/"), "the editor could not sign in"
    return opener


def fresh():
    return f"Written at {uuid.uuid4().hex}."


def test_nginx_serves_a_page_from_the_app_servers(stack):
    site, _ = stack
    status, headers, body, _ = fetch(f"{site.url}/terms/{SLUG}/")

    assert status == 200
    assert headers["Server"].startswith("nginx")
    assert b"Nimbus Store" in body


def test_nginx_serves_hashed_static_files_itself_with_a_year_long_cache(stack):
    site, _ = stack
    manifest = json.loads((BASE_DIR / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["favicon.svg"]

    status, headers, _, _ = fetch(f"{site.url}/static/{hashed}")

    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The app servers answer with their own headers (CSP, a request id); nginx alone did not.
    assert "X-Request-ID" not in headers


def test_a_request_id_sent_through_nginx_comes_back(stack):
    site, _ = stack
    headers = fetch(f"{site.url}/healthz", headers={"X-Request-ID": "trace-42"})[1]

    assert headers["X-Request-ID"] == "trace-42"


def test_nginx_gives_a_request_without_an_id_one_of_its_own(stack):
    site, _ = stack
    headers = fetch(f"{site.url}/healthz")[1]

    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


def test_anonymous_readers_read_from_the_lagging_replica(stack, lagging):
    site, token = stack
    before = api_definition(site)

    write(site, token, fresh())

    assert api_definition(site) == before


def test_an_editor_reads_their_write_on_the_page_while_the_replica_lags(stack, lagging):
    site, token = stack
    editor = signed_in(site)
    text = fresh()

    write(site, token, text)

    assert text in page(site, editor)
    assert text not in page(site)


def test_an_api_client_reads_its_write_while_the_replica_lags(stack, lagging):
    site, token = stack
    text = fresh()

    write(site, token, text)

    assert api_definition(site, {"Authorization": f"Token {token}"}) == text


def test_anonymous_readers_see_a_write_once_the_replica_catches_up(stack, databases):
    site, token = stack
    _, replica = databases
    text = fresh()

    write(site, token, text)
    wait_until(replica.caught_up, 30, "the replica's replay")

    assert api_definition(site) == text
    assert text in page(site)


# Last: it stops the replica.
def test_readiness_names_a_replica_that_is_down(stack, databases):
    site, _ = stack
    _, replica = databases
    replica.stop()
    try:
        status, _, body, _ = fetch(f"{site.url}/readyz")
    finally:
        replica.start()

    assert status == 503
    checks = json.loads(body)
    assert checks["database"] == "ok"
    assert checks["replica1"].startswith("unavailable")
