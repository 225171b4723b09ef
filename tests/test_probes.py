"""Liveness, readiness and the 503 that replaces a 500 while the database is unreachable."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError, ProgrammingError, connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

API = "/api/v1"


LIVE = ["/healthz", f"{API}/health/"]
READY = ["/readyz", f"{API}/health/ready/"]


@pytest.mark.parametrize("path", LIVE)
def test_liveness_answers_without_touching_the_database(client, path):
    # No `db` fixture: pytest-django makes any database access raise.
    response = client.get(path)

    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", READY)
def test_readiness_reports_a_reachable_database(client, db, django_assert_max_num_queries, path):
    # The database, the task queue's table, the workers' heartbeats.
    with django_assert_max_num_queries(3):
        response = client.get(path)

    assert response.status_code == 200
    # With REDIS_URL set (as in CI), Redis is reported too.
    assert response.json() | {"cache": "ok"} == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "task_queue": "ok",
        "task_worker": "never seen",
    }


def test_readiness_says_when_a_worker_was_last_seen(client, db):
    from terms import webhooks

    webhooks.heartbeat("worker-1")

    assert client.get("/readyz").json()["task_worker"].startswith("seen ")


def test_readiness_notes_a_silent_worker_without_failing(client, db):
    from terms.webhook_models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(worker_id="gone", seen_at=timezone.now() - timedelta(hours=1))
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["task_worker"].startswith("not seen since ")


def test_readiness_answers_503_naming_the_task_queue_when_its_table_is_missing(client, db):
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f"DROP TABLE {DBTaskResult._meta.db_table}")
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["task_queue"].startswith("unavailable: ")
    assert response.json()["database"] == "ok"


def failing(error):
    """A cursor's execute() that raises `error`, for as long as the fixture lasts; undone
    before the test database's own checks run."""

    def execute(self, *args, **kwargs):
        raise error

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", execute)
        yield


@pytest.fixture
def database_down(db):
    """Every query fails as it does while the database is stopped."""
    yield from failing(OperationalError("connection to server failed: Connection refused"))


@pytest.fixture
def database_bug(db):
    yield from failing(ProgrammingError("relation does not exist"))


def test_api_answers_json_503_with_retry_after_when_the_database_is_unreachable(
    client, db, database_down
):
    response = client.get(f"{API}/terms/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "unavailable" in json.loads(response.content)["errors"][0]["message"]
    assert int(response["Retry-After"]) > 0


def test_pages_answer_503_with_retry_after_when_the_database_is_unreachable(
    client, db, database_down
):
    response = client.get("/terms/")

    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", READY)
def test_readiness_answers_503_naming_the_database_when_it_is_unreachable(
    client, db, database_down, path
):
    response = client.get(path)

    assert response.status_code == 503
    assert response.json()["database"].startswith("unavailable: connection to server failed")
    assert response.json()["task_queue"].startswith("unavailable: ")


def test_a_404_whose_handler_cannot_reach_the_database_answers_503(client, database_down):
    # The 404 page suggests terms from search: its queries fail after the view's 404.
    client.raise_request_exception = False

    response = client.get("/no-such-page/")

    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/terms/", f"{API}/terms/"])
def test_a_middleware_response_step_that_cannot_reach_the_database_answers_503(
    client, db, monkeypatch, path
):
    def save_session(self, request, response):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(SessionMiddleware, "process_response", save_session)
    client.raise_request_exception = False

    response = client.get(path)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(
        "application/json" if path.startswith(API) else "text/html"
    )


def test_other_database_errors_stay_500(client, database_bug):
    client.raise_request_exception = False

    assert client.get(f"{API}/terms/").status_code == 500


@pytest.fixture
def driver_down(db):
    """A driver error that Django leaves unwrapped, as it does when closing a server-side
    cursor on a connection the server ended."""
    yield from failing(connection.Database.OperationalError("terminating connection"))


def test_unwrapped_driver_errors_also_answer_503(client, driver_down):
    response = client.get(f"{API}/terms/")

    assert response.status_code == 503
