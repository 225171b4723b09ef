"""Webhooks end to end, with real processes: the site under gunicorn, the task worker
(`manage.py worker`) as a child process started, stopped and killed by the test, and a real
HTTP receiver. Endpoints are registered and edits made through the API, as an integrator
and an editor would. The database is the test's own: a fresh one on the PostgreSQL server
DATABASE_URL names, else an SQLite file, so every process sees the same rows."""

import json
import urllib.parse
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from bench.servers import Gunicorn, TaskWorker, fetch, prepare_site, wait_until
from tests.receiver import Receiver, verify
from tests.servers import free_port, started

ENTRIES = Path(__file__).parent / "data" / "outage"
SLUGS = ["nimbus-store", "nimbus-queue"]
# A held attempt outlasts the kill below; the sweep takes it for lost after 2 x 5 + 5 s.
TIMEOUT = 5


def _database_url(tmp_path):
    """A fresh database for the site and its worker: on PostgreSQL when the suite runs on
    it, else an SQLite file."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{tmp_path / 'webhooks.sqlite3'}", None
    name = f"glossary_webhooks_{uuid.uuid4().hex[:8]}"
    user = urllib.parse.quote(default["USER"] or "")
    password = f":{urllib.parse.quote(default['PASSWORD'])}" if default["PASSWORD"] else ""
    server = (
        f"postgres://{user}{password}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", (server, name)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url, postgres = _database_url(tmp_path_factory.mktemp("webhooks"))
    env = {
        "DATABASE_URL": url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "WEBHOOK_TIMEOUT": str(TIMEOUT),
        "WEBHOOK_RETRY_DELAY": "0.2",
        "GLOSSARY_SITE_URL": "https://glossary.test",
        "API_THROTTLE_USER": "100000/minute",
        "API_THROTTLE_ANON": "100000/minute",
    }
    try:
        token = prepare_site(env, [ENTRIES])
        app = started(Gunicorn(free_port(), env, workers=2))
        try:
            yield Site(app.url, token, env)
        finally:
            app.stop()
    finally:
        if postgres:
            server, name = postgres
            with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Site:
    def __init__(self, url, token, env):
        self.url, self.token, self.env = url, token, env

    def api(self, method, path, body=None):
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, _, content, _ = fetch(f"{self.url}/api/v1/{path}", method, data, headers)
        return status, json.loads(content) if content else None

    def edit(self, slug, words):
        """An editor's save through the API: its status."""
        definition = f"{slug.replace('-', ' ').title()} is {words}. It has a second sentence."
        status, _ = self.api("PATCH", f"terms/{slug}/", {"definition": definition})
        return status

    def deliveries(self, endpoint_id):
        status, body = self.api("GET", f"webhooks/deliveries/?endpoint={endpoint_id}&page_size=100")
        assert status == 200, body
        return body["results"]


@pytest.fixture
def worker(site):
    found = TaskWorker(site.env, interval=0.1)
    yield found
    found.stop()


def hook(site, url):
    """An endpoint registered through the API for every event: (id, secret)."""
    status, body = site.api(
        "POST",
        "webhooks/",
        {"url": url, "events": ["term.created", "term.updated", "term.deleted"]},
    )
    assert status == 201, body
    return body["id"], body["secret"]


@pytest.fixture
def receiver(site):
    found = Receiver(free_port()).start()
    yield found
    found.stop()


@pytest.fixture
def endpoint(site, receiver):
    endpoint_id, secret = hook(site, receiver.url)
    yield endpoint_id, secret
    site.api("DELETE", f"webhooks/{endpoint_id}/")


def settled(site, endpoint_id, count, worker, seconds=60):
    """The endpoint's `count` deliveries, once none is pending."""

    def done():
        found = site.deliveries(endpoint_id)
        return len(found) == count and all(d["state"] != "pending" for d in found)

    try:
        wait_until(done, seconds, f"{count} deliveries")
    except RuntimeError as exc:
        raise AssertionError(f"{exc}: {site.deliveries(endpoint_id)}\n{worker.output()}") from exc
    return site.deliveries(endpoint_id)


def test_the_save_returns_before_delivery_and_the_worker_sends_it_signed(
    site, receiver, endpoint, worker
):
    endpoint_id, secret = endpoint

    assert site.edit("nimbus-store", "signed") == 200
    [pending] = site.deliveries(endpoint_id)
    assert pending["state"] == "pending" and pending["attempts"] == []
    assert receiver.requests == []

    worker.start()
    [(headers, body)] = receiver.wait_for(1)
    assert verify(secret, headers["Glossary-Signature"], body)
    assert headers["Glossary-Delivery"] == pending["id"]
    sent = json.loads(body)
    assert sent["event"] == "term.updated" and sent["term"]["slug"] == "nimbus-store"
    assert "is signed." in sent["term"]["data"]["definition"]
    assert sent["term"]["url"] == "https://glossary.test/api/v1/terms/nimbus-store/"
    [delivered] = settled(site, endpoint_id, 1, worker)
    assert delivered["state"] == "succeeded"


def test_a_500_is_retried_until_the_receiver_takes_it(site, receiver, endpoint, worker):
    endpoint_id, secret = endpoint
    receiver.answers = [500, 503]
    worker.start()

    assert site.edit("nimbus-queue", "retried") == 200

    [delivered] = settled(site, endpoint_id, 1, worker)
    assert delivered["state"] == "succeeded"
    assert [a["status_code"] for a in delivered["attempts"]] == [500, 503, 200]
    ids = {headers["Glossary-Delivery"] for headers, _ in receiver.requests}
    bodies = {body for _, body in receiver.requests}
    assert ids == {delivered["id"]} and len(bodies) == 1
    assert all(verify(secret, h["Glossary-Signature"], b) for h, b in receiver.requests)


def test_a_receiver_that_is_down_gets_the_delivery_once_it_is_up(site, worker):
    port = free_port()
    endpoint_id, secret = hook(site, f"http://127.0.0.1:{port}/hook")
    worker.start()
    try:
        assert site.edit("nimbus-store", "waiting for its receiver") == 200

        def refused():
            [delivery] = site.deliveries(endpoint_id)
            return any("Refused" in a["error"] for a in delivery["attempts"])

        wait_until(refused, 30, "a refused attempt")
        receiver = Receiver(port).start()
        try:
            [(headers, body)] = receiver.wait_for(1)
            assert verify(secret, headers["Glossary-Signature"], body)
            [delivered] = settled(site, endpoint_id, 1, worker)
            assert delivered["state"] == "succeeded"
        finally:
            receiver.stop()
    finally:
        site.api("DELETE", f"webhooks/{endpoint_id}/")


def test_nothing_is_lost_when_the_worker_is_killed_mid_attempt(site, receiver, endpoint, worker):
    endpoint_id, _ = endpoint
    receiver.hold.clear()  # the receiver takes requests and answers none for now
    worker.start()
    assert site.edit("nimbus-store", "first of four") == 200
    receiver.wait_for(1)

    # The worker is stuck in an attempt; editors' saves go on as before.
    for words in ["second of four", "third of four", "fourth of four"]:
        assert site.edit(SLUGS[len(words) % 2], words) == 200
    worker.kill()
    receiver.hold.set()
    worker.start()

    delivered = settled(site, endpoint_id, 4, worker)
    assert all(d["state"] == "succeeded" for d in delivered)
    received = {headers["Glossary-Delivery"] for headers, _ in receiver.requests}
    assert received == {d["id"] for d in delivered}
    # The attempt the kill cut short left no record; it was made again, under the same id.
    [cut_short] = [d for d in delivered if d["attempt_count"] == 2]
    assert [a["status_code"] for a in cut_short["attempts"]] == [200]
