"""Webhooks' tables: the endpoints integrators register, each event's delivery to one of
them, and every attempt to send it. The sending is terms.webhooks'."""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q


class Event(models.TextChoices):
    """What happened to a term (terms.changes.Change.Kind, named for the wire)."""

    CREATED = "term.created", "Term created"
    UPDATED = "term.updated", "Term updated"
    PUBLISHED = "term.published", "Term published"
    UNPUBLISHED = "term.unpublished", "Term unpublished"
    DELETED = "term.deleted", "Term deleted"


def new_secret():
    """A signing secret: 32 random bytes, prefixed so it is recognisable in a config file."""
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    url = models.URLField(
        "URL",
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where Glossary POSTs each event, as JSON.",
    )
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list,
        help_text=f"The events this endpoint receives, from: {', '.join(Event.values)}.",
    )
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        editable=False,
        help_text="Signs every delivery (the Glossary-Signature header); keep it private.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="An inactive endpoint receives nothing."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = "webhook endpoint"
        constraints = [
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_secret_not_empty"),
            models.CheckConstraint(condition=~Q(events=[]), name="webhook_events_not_empty"),
        ]

    def __str__(self):
        return self.url

    def clean(self):
        super().clean()
        self.events = clean_events(self.events)


def clean_events(events):
    """`events` as a list of known event names in their canonical order; ValidationError
    naming what is wrong otherwise."""
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": "A list of event names."})
    unknown = [e for e in events if e not in Event.values]
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event {unknown[0]!r}; choose from {', '.join(Event.values)}."}
        )
    if not events:
        raise ValidationError({"events": "Choose at least one event."})
    return [e for e in Event.values if e in events]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    # Sent as Glossary-Delivery and in the body: the receiver's idempotency key, the same
    # on every attempt and on a redelivery.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=20, choices=Event)
    # The term may be gone by the time it is sent: its id and slug, not a foreign key.
    term_id = models.PositiveIntegerField()
    term_slug = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    # The exact bytes signed and sent, fixed at the first attempt so every retry is the same.
    body = models.TextField(blank=True, editable=False)
    state = models.CharField(max_length=10, choices=DeliveryState, default=DeliveryState.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    # While pending: when the next attempt is due, or when the sweep of a worker takes the
    # delivery for lost (never queued, or its running attempt's worker died) and queues it.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField(help_text="Failed attempts are retried until then.")
    # The queued task that is to make the next attempt; any other task for it stands down.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.PENDING) | Q(next_attempt_at__isnull=False),
                name="webhook_pending_has_next_attempt",
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.term_slug} to {self.endpoint_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    # None when no response came (refused, timed out): `error` says why.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_snippet = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique"),
        ]

    def __str__(self):
        return f"attempt {self.number}: {self.status_code or self.error}"


class WorkerHeartbeat(models.Model):
    """A task worker's last sign of life, for /readyz."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.worker_id} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
