"""Webhooks: each committed change to a term, POSTed as signed JSON to the endpoints that
asked for its event, from the task worker (`manage.py worker`), never from the editor's
request.

A change becomes one WebhookDelivery per endpoint, written in the change's own transaction
(a transactional outbox: a committed change always has its deliveries) and queued (Django's
tasks framework) once it commits. `deliver` makes one attempt: a failure that the receiver
may get over (no answer, a timeout, 5xx, 429) is queued again after a delay that doubles up
to an hour, with jitter, until WEBHOOK_RETRY_FOR has passed; any other answer ends the
delivery. Every attempt is a WebhookAttempt row. A delivery left unqueued (its process died
after the commit) or cut short (its worker was killed mid-attempt) falls overdue; the sweep
every worker runs queues it again.
"""

import hashlib
import hmac
import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from itertools import batched

from django.conf import settings
from django.db import DatabaseError, transaction
from django.tasks import default_task_backend, task
from django.tasks.base import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.urls import reverse
from django.utils import timezone

from terms.webhook_models import (
    DeliveryState,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WorkerHeartbeat,
)

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 500
MAX_RETRY_DELAY = 3600
# Finished deliveries stay in the admin this long, then the worker's sweep forgets them.
KEEP_DAYS = 30
USER_AGENT = "Glossary-Webhooks/1"
# A delivery is queued just after its change commits; one still unqueued after this was
# left by a process that died in between, and the worker's sweep queues it.
QUEUED_WITHIN = timedelta(seconds=30)


# Writing and queueing: the receiver of terms.changes.


def changes_recorded(changes):
    """Inside the transaction of the batch that made `changes` (terms.changes.Change rows):
    a delivery for each change that readers can see and each active endpoint that wants its
    event, written with the change and queued for the worker once it commits. Changes to
    terms readers never saw (a draft's edits) are not sent: its publishing is."""
    changes = [change for change in changes if change.public]
    if not changes:
        return []
    # Locked till the commit (PostgreSQL; SQLite has one writer at a time): an endpoint
    # deleted meanwhile would fail the editor's save on its deliveries' foreign key; the
    # delete waits for the save and fails instead. In one order: two saves cannot deadlock.
    active = WebhookEndpoint.objects.filter(is_active=True).select_for_update(no_key=True)
    endpoints = [
        (pk, set(events)) for pk, events in active.order_by("pk").values_list("pk", "events")
    ]
    if not endpoints:
        return []
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint_id=pk,
            event=event,
            term_id=change.term_id,
            term_slug=change.slug,
            occurred_at=change.at,
            # Queued as soon as the change commits; should this process die first, the
            # worker's sweep queues it from then on.
            next_attempt_at=now + QUEUED_WITHIN,
            retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_FOR),
        )
        for change in changes
        for event in [event_for(change.kind)]
        for pk, wanted in endpoints
        if event in wanted
    ]
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=500)
    # Robust: the change is committed, and the editor's save succeeded and must say so.
    transaction.on_commit(lambda: _queue_written(deliveries), robust=True)
    return deliveries


def _queue_written(deliveries):
    """A task for each of `deliveries` (just committed) that the sweep has not queued."""
    try:
        # The tasks and their ids on the rows commit together: a row left without one is
        # the sweep's to queue, and the rows are locked so it queues none of them twice.
        with transaction.atomic():
            unqueued = set()
            for chunk in batched([delivery.pk for delivery in deliveries], 1000):
                unqueued.update(
                    WebhookDelivery.objects.select_for_update()
                    .filter(pk__in=chunk, task_id="")
                    .values_list("pk", flat=True)
                )
            for delivery in deliveries:
                if delivery.pk in unqueued:
                    _queue(delivery)
    except DatabaseError:
        logger.exception(
            "%d webhook deliveries could not be queued; the worker's sweep will queue them",
            len(deliveries),
        )


def event_for(kind):
    """The wire name of a terms.changes.Change kind: "created" -> "term.created"."""
    return Event(f"term.{kind}").value


def redeliver(delivery):
    """Send `delivery` again: same id and body, with a fresh retry window."""
    now = timezone.now()
    with transaction.atomic():
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now
        delivery.retry_until = now + timedelta(seconds=settings.WEBHOOK_RETRY_FOR)
        delivery.save(update_fields=["state", "next_attempt_at", "retry_until"])
        _queue(delivery)


def _queue(delivery, run_after=None):
    """A task to make `delivery`'s next attempt, recorded on it as the one to do so."""
    queued = deliver.using(run_after=run_after) if run_after else deliver
    result = queued.enqueue(str(delivery.pk))
    delivery.task_id = result.id
    WebhookDelivery.objects.filter(pk=delivery.pk).update(task_id=result.id)


# The task: one attempt.


@task(takes_context=True)
def deliver(context, delivery_id):
    """One attempt at a delivery; returns its state afterwards."""
    task_id = context.task_result.id
    claimed = _claim(delivery_id, task_id)
    if claimed is None:
        return "skipped"
    delivery, endpoint, number = claimed
    started_at = timezone.now()
    outcome = send(endpoint.url, endpoint.secret, delivery)
    return _record(delivery, task_id, number, started_at, outcome)


def _claim(delivery_id, task_id):
    """The delivery, its endpoint and the attempt's number, or None when this task is not
    the one to make the attempt (superseded, done, or the endpoint turned off)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        # An empty task_id: queued by a backend that ran the task before enqueue returned.
        if delivery is None or delivery.task_id not in ("", task_id):
            return None
        if delivery.state != DeliveryState.PENDING:
            return None
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            delivery.save(update_fields=["state", "next_attempt_at"])
            return None
        if not delivery.body:
            delivery.body = build_body(delivery)
        delivery.attempt_count += 1
        # Past this, a worker killed mid-attempt is taken for dead and the sweep queues the
        # delivery again: a connect and a read, each bounded by the timeout, and some slack.
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=lease_seconds())
        delivery.save(update_fields=["body", "attempt_count", "next_attempt_at"])
    return delivery, endpoint, delivery.attempt_count


def lease_seconds():
    return 2 * settings.WEBHOOK_TIMEOUT + 5


def _record(delivery, task_id, number, started_at, outcome):
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            response_snippet=outcome.snippet,
            error=outcome.error,
        )
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if outcome.succeeded:
            current.state = DeliveryState.SUCCEEDED
            current.next_attempt_at = None
        elif current.task_id not in ("", task_id) or current.state != DeliveryState.PENDING:
            return current.state  # redelivered or requeued meanwhile: that task goes on
        elif outcome.retryable and now < current.retry_until:
            current.next_attempt_at = now + timedelta(seconds=retry_delay(number, outcome))
            if default_task_backend.supports_defer:
                _queue(current, run_after=current.next_attempt_at)
            # A backend that cannot defer (the immediate one, for tests not about the queue)
            # leaves the delivery pending, for the worker's sweep to queue once one runs.
        else:
            current.state = DeliveryState.FAILED
            current.next_attempt_at = None
        current.save(update_fields=["state", "next_attempt_at"])
    return current.state


def retry_delay(number, outcome):
    """Seconds before the attempt after attempt `number`: doubling from WEBHOOK_RETRY_DELAY
    up to an hour, between half and all of it at random so receivers coming back up are not
    hit by every endpoint's retries at once; never sooner than a 429's Retry-After."""
    base = min(settings.WEBHOOK_RETRY_DELAY * 2 ** (number - 1), MAX_RETRY_DELAY)
    return max(base * random.uniform(0.5, 1.0), outcome.retry_after or 0)  # noqa: S311


# The body and its signature.


def build_body(delivery):
    """The JSON sent for `delivery`: the event, its ids and the term as the public API
    shows it (null once the term is deleted or unpublished, or while it is a draft)."""
    from terms.serializers import TermDetailSerializer
    from terms.term_page import term_page

    term = None
    # The slug may have changed since the event: the term is found by its id.
    slug = _current_slug(delivery.term_id) or delivery.term_slug
    found = term_page(slug) if slug else None
    if found is not None and found.pk == delivery.term_id and found.is_published:
        term = TermDetailSerializer(found, context={"request": _Site()}).data
    site = settings.GLOSSARY_SITE_URL
    body = {
        "id": str(delivery.pk),
        "event": delivery.event,
        "occurred_at": delivery.occurred_at.isoformat(),
        "term": {
            "id": delivery.term_id,
            "slug": slug,
            "url": site + reverse("api:term-detail", kwargs={"slug": slug}),
            "data": term,
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


def _current_slug(term_id):
    from terms.models import Term

    return Term.objects.filter(pk=term_id).values_list("slug", flat=True).first()


class _Site:
    """What the API serializers ask of a request, for the site at GLOSSARY_SITE_URL: the
    worker has no request, and deliveries carry absolute URLs."""

    def build_absolute_uri(self, path):
        return settings.GLOSSARY_SITE_URL + path


def signature(secret, timestamp, body):
    """The Glossary-Signature header: HMAC-SHA256 of "timestamp.body" under the secret."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# Sending.


@dataclass(frozen=True)
class Outcome:
    duration_ms: int
    status_code: int | None = None
    snippet: str = ""
    error: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self):
        """No answer, the server's trouble (5xx) or too many requests (429): try later."""
        code = self.status_code
        return code is None or code >= 500 or code == 429


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the endpoint's answer, not an address to follow: it ends as a 3xx."""

    def redirect_request(self, *args, **kwargs):
        return None


# Straight to the registered URL: no proxy from the environment, no redirects.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def send(url, secret, delivery):
    """POST `delivery`'s body to `url`, signed with `secret`: the Outcome, never an
    exception for anything the receiver or the network does."""
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Glossary-Event": delivery.event,
        "Glossary-Delivery": str(delivery.pk),
        "Glossary-Signature": signature(secret, int(time.time()), body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()

    def took():
        return round((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return Outcome(took(), response.status, _snippet(response))
    except urllib.error.HTTPError as answer:
        return Outcome(
            took(),
            answer.code,
            _snippet(answer),
            retry_after=_seconds(answer.headers.get("Retry-After")),
        )
    except (OSError, http.client.HTTPException) as exc:
        # Refused, unreachable, timed out, or a broken answer; URLError wraps the reason.
        reason = getattr(exc, "reason", exc)
        return Outcome(took(), error=f"{type(reason).__name__}: {reason}"[:SNIPPET_CHARS])


def _snippet(response):
    try:
        return response.read(SNIPPET_CHARS).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""


def _seconds(value):
    try:
        return min(float(value), MAX_RETRY_DELAY)
    except (TypeError, ValueError):
        return None


# The worker's sweep and heartbeat (terms/management/commands/worker.py).


def requeue_lost(limit=200):
    """Queue the pending deliveries that are overdue and have no task waiting: their process
    died before queueing them, their worker died mid-attempt, or their retry could not be
    queued. Returns how many."""
    now = timezone.now()
    overdue = WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lt=now
    ).order_by("next_attempt_at")[:limit]
    requeued = 0
    for delivery in overdue:
        if _waiting(delivery.task_id):
            continue  # queued, and workers are busy: it will be reached
        with transaction.atomic():
            current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
            if current.task_id == delivery.task_id and current.state == DeliveryState.PENDING:
                _queue(current)
                requeued += 1
    return requeued


def _waiting(task_id):
    if not task_id:
        return False
    try:
        result = default_task_backend.get_result(task_id)
    except (TaskResultDoesNotExist, NotImplementedError):
        return False
    return result.status == TaskResultStatus.READY


def prune(keep_days=KEEP_DAYS, limit=1000):
    """Forget up to `limit` finished deliveries (with their attempts) older than
    `keep_days`; returns how many."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    old = WebhookDelivery.objects.exclude(state=DeliveryState.PENDING).filter(created_at__lt=cutoff)
    pks = list(old.values_list("pk", flat=True)[:limit])
    WebhookDelivery.objects.filter(pk__in=pks).delete()
    return len(pks)


def heartbeat(worker_id):
    """Note that `worker_id` is alive, and forget workers gone for a day."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def last_worker_seen():
    """When a task worker was last alive, or None."""
    return WorkerHeartbeat.objects.values_list("seen_at", flat=True).first()
