"""Webhooks in the admin: endpoints with their events and secret; deliveries with every
attempt (status, duration, the response's start, the error) and a "Redeliver" action."""

import json

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from terms import webhooks
from terms.webhook_models import (
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Glossary POSTs these events to the URL.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "event_list", "is_active", "deliveries_link"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "created_at"]

    @admin.display(description="events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    @admin.display(description="deliveries")
    def deliveries_link(self, endpoint):
        url = reverse("admin:terms_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">Deliveries</a>', url, endpoint.pk)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "duration_ms", "status_code", "error", "response_snippet"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "term_slug",
        "endpoint",
        "state",
        "attempt_count",
        "next_attempt_at",
    ]
    list_filter = ["state", "event", "endpoint"]
    search_fields = ["term_slug", "=id"]
    list_select_related = ["endpoint"]
    fields = [
        "id",
        "endpoint",
        "event",
        "term_id",
        "term_slug",
        "occurred_at",
        "state",
        "attempt_count",
        "next_attempt_at",
        "retry_until",
        "sent_body",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="body")
    def sent_body(self, delivery):
        if not delivery.body:
            return "(built at the first attempt)"
        pretty = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", pretty)

    @admin.action(description="Redeliver the selected deliveries", permissions=["change"])
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset:
            webhooks.redeliver(delivery)
            count += 1
        self.message_user(request, f"{count} deliveries queued to be sent again.", messages.SUCCESS)
