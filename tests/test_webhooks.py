"""Webhooks in one process: endpoints and their checks, the deliveries a change writes in its
own transaction and queues once it commits, one attempt each by django-tasks-db's own worker loop against a real HTTP receiver,
retries, redelivery, the sweep, the admin and the API. tests/test_webhooks_worker.py runs
the worker as a process."""

import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.tasks.base import TaskResultStatus
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import roles, webhooks, writing
from terms.management.commands import worker as worker_command
from terms.webhook_models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

from .conftest import error_messages, make_term
from .receiver import Receiver, verify
from .servers import free_port

ALL = ["term.created", "term.updated", "term.published", "term.unpublished", "term.deleted"]


@pytest.fixture
def receiver():
    found = Receiver(free_port()).start()
    yield found
    found.stop()


@pytest.fixture
def endpoint(db, receiver):
    return WebhookEndpoint.objects.create(url=receiver.url, events=ALL)


def commit(django_capture_on_commit_callbacks, write):
    """Run `write`, then what runs once its transaction commits (the webhooks' receiver)."""
    with django_capture_on_commit_callbacks(execute=True):
        return write()


def run_worker():
    """django-tasks-db's worker loop, in this process, until no task is ready."""
    with pytest.MonkeyPatch.context() as patch:
        # As Django's test client does: the connection holding the test's transaction stays
        # open (the loop closes it between tasks, and PostgreSQL would lose every row).
        patch.setattr(db_worker, "close_old_connections", lambda: None)
        _worker().run()


def _worker():
    return db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


@pytest.fixture
def publisher(db, django_user_model):
    user = django_user_model.objects.create_user("pub", password="pub-pass-1234!", is_staff=True)
    user.groups.add(roles.group(roles.PUBLISHER))
    return user


def api_as(user):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


# Endpoints.


def test_a_new_endpoint_gets_its_own_secret(db):
    first = WebhookEndpoint.objects.create(url="https://a.example/hook", events=ALL)
    second = WebhookEndpoint.objects.create(url="https://b.example/hook", events=ALL)

    assert first.secret.startswith("whsec_") and len(first.secret) > 40
    assert first.secret != second.secret


def test_an_endpoint_needs_a_secret(db):
    with pytest.raises(IntegrityError):
        WebhookEndpoint.objects.create(url="https://a.example/hook", events=ALL, secret="")


def test_an_endpoint_needs_an_event(db):
    with pytest.raises(IntegrityError):
        WebhookEndpoint.objects.create(url="https://a.example/hook", events=[])


def test_a_pending_delivery_needs_a_time_for_its_next_attempt(endpoint):
    with pytest.raises(IntegrityError):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="term.created",
            term_id=1,
            term_slug="x",
            occurred_at=timezone.now(),
            retry_until=timezone.now(),
            next_attempt_at=None,
        )


def test_an_attempt_number_is_used_once_per_delivery(endpoint):
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="term.created",
        term_id=1,
        term_slug="x",
        occurred_at=timezone.now(),
        retry_until=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    now = timezone.now()
    WebhookAttempt.objects.create(delivery=delivery, number=1, started_at=now, duration_ms=1)
    with pytest.raises(IntegrityError):
        WebhookAttempt.objects.create(delivery=delivery, number=1, started_at=now, duration_ms=1)


# Writing, in the change's transaction, and queueing, after its commit.


def test_a_committed_change_queues_a_delivery_and_sends_nothing_yet(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    term = commit(django_capture_on_commit_callbacks, lambda: make_term("Nimbus Store"))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.term_id, delivery.term_slug) == (
        "term.created",
        term.pk,
        "nimbus-store",
    )
    assert DBTaskResult.objects.get(id=delivery.task_id).status == TaskResultStatus.READY
    assert receiver.requests == []


def unqueued_write(django_capture_on_commit_callbacks):
    """A term created and committed by a process that dies before its after-commit work:
    the callbacks of that work, not run."""
    with django_capture_on_commit_callbacks() as callbacks:
        make_term("Nimbus Store")
    return callbacks


def overdue():
    """As if the time the sweep leaves the writer to queue its deliveries had passed."""
    WebhookDelivery.objects.update(next_attempt_at=F("next_attempt_at") - webhooks.QUEUED_WITHIN)


def test_a_committed_change_has_its_delivery_even_if_its_process_dies_before_queueing_it(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    before = timezone.now()
    unqueued_write(django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.task_id == "" and not DBTaskResult.objects.exists()
    assert before < delivery.next_attempt_at <= timezone.now() + webhooks.QUEUED_WITHIN


def test_the_sweep_queues_a_delivery_whose_process_died_before_queueing_it(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    unqueued_write(django_capture_on_commit_callbacks)
    assert webhooks.requeue_lost() == 0  # the writer may still queue it

    overdue()
    assert webhooks.requeue_lost() == 1
    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.SUCCEEDED and len(receiver.requests) == 1


def test_a_delivery_the_sweep_queued_first_is_not_queued_again_after_the_commit(
    endpoint, django_capture_on_commit_callbacks
):
    after_commit = unqueued_write(django_capture_on_commit_callbacks)
    overdue()
    assert webhooks.requeue_lost() == 1

    for callback in after_commit:  # the writer, slow to queue
        callback()

    delivery = WebhookDelivery.objects.get()
    assert [str(task) for task in DBTaskResult.objects.values_list("id", flat=True)] == [
        delivery.task_id
    ]


def test_deliveries_that_cannot_be_queued_stay_for_the_sweep_and_the_save_succeeds(
    db, receiver, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    for path in ["a", "b"]:
        WebhookEndpoint.objects.create(url=f"{receiver.url}{path}", events=ALL)
    queue = webhooks._queue
    calls = []

    def down(delivery):
        calls.append(delivery)
        if len(calls) == 2:
            raise DatabaseError("the queue is unreachable")
        queue(delivery)

    monkeypatch.setattr(webhooks, "_queue", down)
    commit(django_capture_on_commit_callbacks, lambda: make_term("Nimbus Store"))
    monkeypatch.setattr(webhooks, "_queue", queue)

    # The first delivery's task went with the second's failure: neither is queued.
    assert len(calls) == 2 and not DBTaskResult.objects.exists()
    assert list(WebhookDelivery.objects.values_list("task_id", flat=True)) == ["", ""]
    assert "2 webhook deliveries could not be queued" in caplog.text
    overdue()
    assert webhooks.requeue_lost() == 2


def test_a_rolled_back_change_queues_nothing(endpoint, django_capture_on_commit_callbacks):
    def failing_write():
        with writing.batch():
            make_term("Nimbus Store")
            raise RuntimeError("the write fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_write()

    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_a_change_rolled_back_after_its_batch_leaves_no_delivery(
    endpoint, django_capture_on_commit_callbacks
):
    def failing_write():
        with transaction.atomic():
            with writing.batch():
                make_term("Nimbus Store")
            assert WebhookDelivery.objects.exists()  # written with the change
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_write()

    assert callbacks == [] and not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_during_a_save_waits_for_it_rather_than_failing_it():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no delete can come in between")
    endpoint = WebhookEndpoint.objects.create(url="https://a.example/", events=ALL)
    outcome = []

    def delete():
        try:
            with transaction.atomic():
                WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
            outcome.append("deleted")
        except IntegrityError:
            outcome.append("refused: it has a delivery now")
        finally:
            connection.close()

    with transaction.atomic():
        with writing.batch():
            term = make_term("Nimbus Store")
        deleting = threading.Thread(target=delete)
        deleting.start()
        deleting.join(timeout=1)
        waited = deleting.is_alive()
    deleting.join(timeout=10)

    assert waited and outcome == ["refused: it has a delivery now"]
    assert WebhookDelivery.objects.get().term_id == term.pk


def test_an_endpoint_gets_only_the_events_it_chose(db, django_capture_on_commit_callbacks):
    created = WebhookEndpoint.objects.create(url="https://a.example/", events=["term.created"])
    deleted = WebhookEndpoint.objects.create(url="https://b.example/", events=["term.deleted"])
    WebhookEndpoint.objects.create(url="https://c.example/", events=ALL, is_active=False)

    term = commit(django_capture_on_commit_callbacks, lambda: make_term("Nimbus Store"))
    commit(django_capture_on_commit_callbacks, lambda: writing.trash_term(term))

    sent = sorted(WebhookDelivery.objects.values_list("endpoint", "event"))
    assert sent == [(created.pk, "term.created"), (deleted.pk, "term.deleted")]


def test_a_draft_is_not_announced_until_it_is_published(
    endpoint, django_capture_on_commit_callbacks
):
    term = commit(
        django_capture_on_commit_callbacks, lambda: make_term("Nimbus Store", status="draft")
    )
    assert not WebhookDelivery.objects.exists()

    def publish():
        term.status = "published"
        term.save()

    commit(django_capture_on_commit_callbacks, publish)
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["term.published"]


class Updated:
    term_id, slug, kind, at, public = 1, "nimbus-store", "updated", timezone.now(), True


def test_writing_deliveries_costs_two_queries_in_the_changes_transaction(
    db, django_assert_num_queries
):
    for path in ["a", "b"]:
        WebhookEndpoint.objects.create(url=f"https://{path}.example/", events=ALL)

    # The endpoints, the rows.
    with django_assert_num_queries(2):
        webhooks.changes_recorded([Updated()])


def test_queueing_costs_a_query_per_batch_and_two_per_delivery(
    db, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for path in ["a", "b"]:
        WebhookEndpoint.objects.create(url=f"https://{path}.example/", events=ALL)
    with django_capture_on_commit_callbacks() as callbacks:
        webhooks.changes_recorded([Updated()])

    # The rows still unqueued; per delivery its task and the task's id on the row; and a
    # savepoint's two statements inside the test's transaction.
    with django_assert_max_num_queries(7):
        [queue] = callbacks
        queue()
    assert DBTaskResult.objects.count() == 2


# Sending: one attempt per task, run by the library's worker loop.


def test_a_delivery_is_signed_and_carries_the_term(
    endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.GLOSSARY_SITE_URL = "https://glossary.example"
    term = commit(django_capture_on_commit_callbacks, lambda: make_term("Nimbus Store"))
    run_worker()

    [(headers, body)] = receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert verify(endpoint.secret, headers["Glossary-Signature"], body)
    assert not verify("whsec_another", headers["Glossary-Signature"], body)
    assert headers["Glossary-Delivery"] == str(delivery.pk)
    assert headers["Glossary-Event"] == "term.created"
    assert headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert sent["id"] == str(delivery.pk) and sent["event"] == "term.created"
    assert sent["term"]["id"] == term.pk and sent["term"]["slug"] == "nimbus-store"
    assert sent["term"]["url"] == "https://glossary.example/api/v1/terms/nimbus-store/"
    assert sent["term"]["data"]["name"] == "Nimbus Store"
    assert sent["term"]["data"]["url"] == sent["term"]["url"]
    assert sent["term"]["data"]["html_url"] == "https://glossary.example/terms/nimbus-store/"
    assert delivery.state == DeliveryState.SUCCEEDED
    attempt = delivery.attempts.get()
    assert (attempt.number, attempt.status_code, attempt.response_snippet) == (
        1,
        200,
        "answered 200",
    )


def test_a_tampered_body_fails_the_signature_check(endpoint, receiver):
    queued(endpoint)
    run_worker()

    [(headers, body)] = receiver.requests
    assert not verify(endpoint.secret, headers["Glossary-Signature"], body.replace(b"}", b" }"))


def test_a_deleted_term_is_announced_without_its_data(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    term = make_term("Nimbus Store")
    commit(django_capture_on_commit_callbacks, lambda: writing.trash_term(term))
    run_worker()

    [(headers, body)] = receiver.requests
    sent = json.loads(body)
    assert headers["Glossary-Event"] == "term.deleted"
    assert sent["term"]["slug"] == "nimbus-store" and sent["term"]["data"] is None


def queued(endpoint, event="term.updated"):
    term = make_term()
    # Its creation's delivery, never queued here: the test's is the one below.
    WebhookDelivery.objects.filter(term_id=term.pk).delete()

    class Change:
        term_id, slug, kind, at, public = term.pk, term.slug, event[5:], timezone.now(), True

    with TestCase.captureOnCommitCallbacks(execute=True):
        [delivery] = webhooks.changes_recorded([Change()])
    return delivery


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_429_is_retried_later(endpoint, receiver, status):
    receiver.answers = [status]
    delivery = queued(endpoint)
    run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts.get().status_code == status
    retry = DBTaskResult.objects.get(id=delivery.task_id)
    assert retry.status == TaskResultStatus.READY
    assert retry.run_after == delivery.next_attempt_at > timezone.now()


@pytest.mark.parametrize("status", [400, 404, 410, 301])
def test_another_answer_ends_the_delivery_without_retry(endpoint, receiver, status):
    receiver.answers = [status]
    delivery = queued(endpoint)
    run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.next_attempt_at is None
    assert delivery.attempts.get().status_code == status
    assert not DBTaskResult.objects.ready().exists()


def test_a_receiver_that_is_down_is_retried(db, settings):
    endpoint = WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{free_port()}/hook", events=ALL
    )
    delivery = queued(endpoint)
    run_worker()

    delivery.refresh_from_db()
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "ConnectionRefused" in attempt.error
    assert delivery.state == DeliveryState.PENDING


def test_a_slow_receiver_is_given_up_on_after_the_timeout_and_retried(endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    receiver.answers = [(200, 2, {})]
    delivery = queued(endpoint)
    run_worker()

    delivery.refresh_from_db()
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert delivery.state == DeliveryState.PENDING


def test_retry_after_of_a_429_is_honoured(endpoint, receiver):
    receiver.answers = [(429, 0, {"Retry-After": "600"})]
    delivery = queued(endpoint)
    run_worker()

    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=590)


def test_retry_delays_double_with_jitter_up_to_an_hour(settings):
    settings.WEBHOOK_RETRY_DELAY = 30
    outcome = webhooks.Outcome(duration_ms=1, status_code=500)

    delays = [webhooks.retry_delay(n, outcome) for n in range(1, 12)]

    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert all(1800 <= d <= 3600 for d in delays[8:])


def test_a_failure_after_the_retry_window_ends_the_delivery(endpoint, receiver):
    receiver.answers = [500]
    delivery = queued(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(retry_until=timezone.now())
    run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempt_count == 1


def test_retries_go_on_for_a_day_by_default(endpoint):
    before = timezone.now()
    delivery = queued(endpoint)

    assert delivery.retry_until >= before + timedelta(hours=24)


def test_every_retry_sends_the_same_body_and_id(endpoint, receiver):
    receiver.answers = [500]
    delivery = queued(endpoint)
    run_worker()
    delivery.refresh_from_db()
    # The retry's time has come.
    DBTaskResult.objects.filter(id=delivery.task_id).update(run_after=timezone.now())
    run_worker()

    (first_headers, first), (second_headers, second) = receiver.requests
    assert first == second
    assert first_headers["Glossary-Delivery"] == second_headers["Glossary-Delivery"]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 200)]


def test_an_endpoint_turned_off_stops_its_pending_deliveries(endpoint, receiver):
    delivery = queued(endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    run_worker()

    delivery.refresh_from_db()
    assert receiver.requests == [] and delivery.state == DeliveryState.FAILED


def test_a_superseded_task_stands_down(endpoint, receiver):
    delivery = queued(endpoint)
    webhooks.redeliver(delivery)  # a second task, now the one to send
    run_worker()

    assert len(receiver.requests) == 1


# The sweep: deliveries a killed worker left behind.


def test_the_sweep_queues_again_a_delivery_whose_worker_died_mid_attempt(endpoint, receiver):
    delivery = queued(endpoint)
    # A worker claimed the task and died: the task stays RUNNING, the lease runs out.
    DBTaskResult.objects.filter(id=delivery.task_id).update(status=TaskResultStatus.RUNNING)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert webhooks.requeue_lost() == 1
    run_worker()

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED


def test_the_sweep_leaves_alone_a_delivery_still_waiting_for_a_busy_worker(endpoint):
    delivery = queued(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )

    assert webhooks.requeue_lost() == 0


def test_the_sweep_leaves_alone_an_attempt_under_way(endpoint):
    delivery = queued(endpoint)
    DBTaskResult.objects.filter(id=delivery.task_id).update(status=TaskResultStatus.RUNNING)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=10)
    )

    assert webhooks.requeue_lost() == 0


# Redelivery, the admin and the API.


def test_redeliver_in_the_admin_sends_the_same_delivery_again(
    endpoint, receiver, publisher, client
):
    delivery = queued(endpoint)
    run_worker()
    client.force_login(publisher)

    response = client.post(
        "/admin/terms/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [str(delivery.pk)]},
    )
    run_worker()

    assert response.status_code == 302
    (_, first), (headers, second) = receiver.requests
    assert headers["Glossary-Delivery"] == str(delivery.pk) and first == second
    assert delivery.attempts.count() == 2


def test_the_admin_shows_a_delivery_with_its_attempts(
    endpoint, receiver, publisher, client, django_assert_max_num_queries
):
    receiver.answers = [503]
    delivery = queued(endpoint)
    run_worker()
    client.force_login(publisher)

    with django_assert_max_num_queries(12):
        response = client.get(f"/admin/terms/webhookdelivery/{delivery.pk}/change/")

    assert response.status_code == 200
    assert b"answered 503" in response.content and b"term.updated" in response.content


def test_the_admin_lists_endpoints_and_deliveries(endpoint, publisher, client):
    queued(endpoint)
    client.force_login(publisher)

    assert client.get("/admin/terms/webhookendpoint/").status_code == 200
    assert client.get("/admin/terms/webhookdelivery/").status_code == 200


def test_a_publisher_registers_an_endpoint_in_the_admin(publisher, client):
    client.force_login(publisher)

    response = client.post(
        "/admin/terms/webhookendpoint/add/",
        {"url": "https://a.example/hook", "events": ["term.deleted", "term.created"]},
    )

    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().events == ["term.created", "term.deleted"]


def test_a_publisher_registers_an_endpoint_through_the_api(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/",
        {"url": "https://a.example/hook", "events": ["term.published", "term.created"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["events"] == ["term.created", "term.published"]
    assert body["secret"] == WebhookEndpoint.objects.get().secret
    assert body["secret"].startswith("whsec_")


def test_the_api_names_an_unknown_event(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/",
        {"url": "https://a.example/hook", "events": ["term.renamed"]},
        format="json",
    )

    assert response.status_code == 400
    assert "term.renamed" in json.dumps(error_messages(response)["events[0]"])


def test_the_api_refuses_a_url_that_is_not_http(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/", {"url": "ftp://a.example/", "events": ALL}, format="json"
    )

    assert response.status_code == 400 and "url" in error_messages(response)


def test_the_api_refuses_an_endpoint_without_events(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/", {"url": "https://a.example/", "events": []}, format="json"
    )

    assert response.status_code == 400 and "events" in error_messages(response)


def test_the_api_refuses_a_key_that_is_not_a_field_naming_it(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/",
        {"url": "https://a.example/", "events": ALL, "secret": "whsec_mine", "evnets": []},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(error_messages(response)) == ["evnets", "secret"]
    assert not WebhookEndpoint.objects.exists()


def test_the_api_takes_only_a_json_boolean_for_is_active(publisher):
    response = api_as(publisher).post(
        "/api/v1/webhooks/",
        {"url": "https://a.example/", "events": ALL, "is_active": 0},
        format="json",
    )

    assert response.status_code == 400 and list(error_messages(response)) == ["is_active"]


def test_webhooks_are_hidden_from_anonymous_clients(endpoint):
    assert api_as(None).get("/api/v1/webhooks/").status_code == 401


def test_webhooks_are_hidden_from_editors(db, django_user_model):
    user = django_user_model.objects.create_user("ed", is_staff=True)
    user.groups.add(roles.group(roles.EDITOR))

    assert api_as(user).get("/api/v1/webhooks/").status_code == 403


def test_webhooks_are_hidden_from_non_staff_even_with_the_permission(db, django_user_model):
    user = django_user_model.objects.create_user("outsider")
    user.user_permissions.set(Permission.objects.filter(codename__contains="webhook"))

    assert api_as(user).get("/api/v1/webhooks/").status_code == 403


def test_the_api_lists_deliveries_with_their_attempts(
    endpoint, receiver, publisher, django_assert_max_num_queries
):
    receiver.answers = [500]
    for _ in range(3):
        queued(endpoint)
    run_worker()
    client = api_as(publisher)

    # Auth, permissions, the count, the page, its attempts.
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/webhooks/deliveries/?endpoint={endpoint.pk}")

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert sorted(r["attempts"][0]["status_code"] for r in results) == [200, 200, 500]


def test_the_api_redelivers(endpoint, receiver, publisher):
    delivery = queued(endpoint)
    run_worker()

    response = api_as(publisher).post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver/")
    run_worker()

    assert response.status_code == 202 and response.json()["state"] == "pending"
    assert len(receiver.requests) == 2


def test_redelivering_needs_the_change_permission(endpoint, django_user_model):
    delivery = queued(endpoint)
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_webhookdelivery"))

    response = api_as(user).post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 403


# Pruning, by the worker's sweep.


def test_old_finished_deliveries_are_forgotten_and_the_rest_kept(endpoint, receiver):
    sent, pending, recent = queued(endpoint), queued(endpoint), queued(endpoint)
    run_worker()
    WebhookDelivery.objects.filter(pk=pending.pk).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    long_ago = timezone.now() - timedelta(days=webhooks.KEEP_DAYS + 1)
    WebhookDelivery.objects.filter(pk__in=[sent.pk, pending.pk]).update(created_at=long_ago)

    assert webhooks.prune() == 1

    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {pending.pk, recent.pk}
    assert not WebhookAttempt.objects.filter(delivery=sent.pk).exists()


def test_the_worker_forgets_finished_tasks_after_a_day(endpoint, receiver):
    old, new = queued(endpoint), queued(endpoint)
    run_worker()
    DBTaskResult.objects.filter(id=old.task_id).update(
        finished_at=timezone.now() - timedelta(days=2)
    )
    waiting, killed = queued(endpoint), queued(endpoint)
    DBTaskResult.objects.filter(id=killed.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(days=2)
    )

    worker_command.prune()

    kept = set(DBTaskResult.objects.values_list("id", flat=True))
    assert {str(k) for k in kept} == {new.task_id, waiting.task_id}
