"""The site under gunicorn while its dependencies fail, with real processes: a file SQLite
database under concurrent writers, a private PostgreSQL cluster that is stopped and frozen
(SIGSTOP), and a private Redis that is stopped and frozen. Each server is the test's own,
on its own port, stopped by its PID."""

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
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
from tests.servers import HTTP_PORTS, POSTGRES_PORT, REDIS_PORT, started

pytestmark = pytest.mark.outage

ENTRIES = Path(__file__).parent / "data" / "outage"
SLUGS = ["nimbus-store", "nimbus-queue"]
# A hang guard, far above every timeout the site sets: a request that reaches it has hung.
HUNG = 60


def patch(site, token, slug, definition):
    body = json.dumps({"definition": definition}).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    return fetch(f"{site.url}/api/v1/terms/{slug}/", "PATCH", body, headers, timeout=HUNG)[0]


def definition(site, slug):
    return json.loads(fetch(f"{site.url}/api/v1/terms/{slug}/")[2])["definition"]


def status(site, path):
    return fetch(f"{site.url}{path}", timeout=HUNG)[0]


@pytest.fixture(scope="module", autouse=True)
def _static_files():
    collect_static()


def served(env):
    """The site under gunicorn (2 workers, as the probe ran it) with `env`; its token."""
    env = {"REDIS_URL": "", **env}  # Redis only when the test gives its own
    token = prepare_site(env, [ENTRIES])
    # Throttles stay out of the way: these tests count errors, not rates.
    env = {**env, "API_THROTTLE_ANON": "100000/minute", "API_THROTTLE_USER": "100000/minute"}
    return started(Gunicorn(next(HTTP_PORTS), env)), token


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    database = tmp_path_factory.mktemp("sqlite") / "glossary.sqlite3"
    site, token = served({"DATABASE_URL": f"sqlite:///{database}"})
    yield site, token, database
    site.stop()


def test_sqlite_serves_two_editors_patching_different_terms_at_once(sqlite_site):
    site, token, _ = sqlite_site
    rounds = 20

    def editor(slug):
        return [patch(site, token, slug, f"{slug} definition, round {i}.") for i in range(rounds)]

    with ThreadPoolExecutor(2) as pool:
        statuses = [s for result in pool.map(editor, SLUGS) for s in result]

    assert statuses == [200] * (2 * rounds)
    for slug in SLUGS:
        assert definition(site, slug) == f"{slug} definition, round {rounds - 1}."


def test_sqlite_reads_answer_while_a_writer_holds_the_database(sqlite_site):
    site, _, database = sqlite_site
    # What an import does: one long write transaction.
    writer = sqlite3.connect(database, isolation_level=None, timeout=HUNG)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE terms_term SET definition = 'uncommitted' WHERE slug = ?", [SLUGS[0]])
    try:
        statuses = [status(site, path) for path in ("/", "/terms/", "/api/v1/terms/")]
        seen = definition(site, SLUGS[0])
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert statuses == [200, 200, 200]
    assert seen != "uncommitted"


def test_sqlite_writer_waits_for_the_lock_rather_than_failing(sqlite_site):
    site, token, database = sqlite_site
    writer = sqlite3.connect(database, isolation_level=None, timeout=HUNG)
    writer.execute("BEGIN IMMEDIATE")
    waiting = threading.Thread(
        target=lambda: result.append(patch(site, token, SLUGS[1], "Queued."))
    )
    result = []
    waiting.start()
    # Release the lock once the request is surely waiting for it.
    waiting.join(timeout=1)
    writer.execute("COMMIT")
    writer.close()
    waiting.join(timeout=HUNG)

    assert result == [200]
    assert definition(site, SLUGS[1]) == "Queued."


@pytest.fixture(scope="module")
def postgres():
    cluster = started(PostgresCluster(POSTGRES_PORT))
    yield cluster
    cluster.remove()


@pytest.fixture(scope="module")
def postgres_site(postgres):
    postgres.create_database("glossary")
    site, _ = served({"DATABASE_URL": postgres.url("glossary")})
    yield site
    site.stop()


PROBES = ("/terms/", "/api/v1/terms/", "/api/v1/health/ready/")


def outage_answers(site):
    """{path: (status, Retry-After, content type)} for the pages, the API and readiness."""
    answers = {}
    for path in PROBES:
        code, headers, _, _ = fetch(f"{site.url}{path}", timeout=HUNG)
        answers[path] = (code, headers.get("Retry-After"), headers.get_content_type())
    return answers


UNAVAILABLE = {
    "/terms/": (503, "5", "text/html"),
    "/api/v1/terms/": (503, "5", "application/json"),
    "/api/v1/health/ready/": (503, "5", "application/json"),
}


def test_stopped_postgresql_gives_503s_liveness_and_static_files_and_recovers(
    postgres, postgres_site
):
    assert [status(postgres_site, path) for path in PROBES] == [200, 200, 200]
    postgres.stop()
    try:
        answers = outage_answers(postgres_site)
        live = [status(postgres_site, p) for p in ("/api/v1/health/", "/static/css/site.css")]
    finally:
        postgres.start()

    assert answers == UNAVAILABLE
    assert live == [200, 200]
    assert [status(postgres_site, path) for path in PROBES] == [200, 200, 200]


def test_hung_postgresql_gives_503s_liveness_and_static_files_and_recovers(postgres, postgres_site):
    assert [status(postgres_site, path) for path in PROBES] == [200, 200, 200]
    postgres.freeze()
    try:
        answers = outage_answers(postgres_site)
        live = [status(postgres_site, p) for p in ("/api/v1/health/", "/static/css/site.css")]
    finally:
        postgres.thaw()

    assert answers == UNAVAILABLE
    assert live == [200, 200]
    assert [status(postgres_site, path) for path in PROBES] == [200, 200, 200]


@pytest.fixture(scope="module")
def redis_server():
    server = started(RedisServer(REDIS_PORT))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_site(redis_server, sqlite_site):
    """A second site on the SQLite database, its cache on the test's Redis."""
    database = sqlite_site[2]
    site, _ = served({"DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": redis_server.url})
    yield site
    site.stop()


SEARCHES = ("/api/v1/terms/", "/search/?q=nimbus", "/api/v1/terms/?search=queue")


def test_stopped_redis_leaves_pages_and_api_answering_and_readiness_recovers(
    redis_server, redis_site
):
    redis_server.stop()
    try:
        statuses = [status(redis_site, path) for path in SEARCHES]
        ready = status(redis_site, "/api/v1/health/ready/")
    finally:
        redis_server.start()

    assert statuses == [200, 200, 200]
    assert ready == 503
    assert status(redis_site, "/api/v1/health/ready/") == 200


def test_hung_redis_leaves_pages_and_api_answering(redis_server, redis_site):
    redis_server.freeze()
    try:
        statuses = [status(redis_site, path) for path in SEARCHES]
        ready = json.loads(fetch(f"{redis_site.url}/api/v1/health/ready/", timeout=HUNG)[2])
    finally:
        redis_server.thaw()

    assert statuses == [200, 200, 200]
    assert ready["cache"].startswith("unavailable") and ready["database"] == "ok"
