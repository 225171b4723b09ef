"""Webhooks in the API, for staff with the webhook permissions (the Publisher role):
`/api/v1/webhooks/` registers endpoints, `/api/v1/webhooks/deliveries/` lists what was
sent with every attempt, and `.../deliveries/{id}/redeliver/` sends one again."""

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from terms import webhooks
from terms.api_headers import RateLimitHeadersMixin
from terms.query_params import QueryParamsMixin, fields_parameter
from terms.serializers import WriteSerializer
from terms.webhook_models import (
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    clean_events,
)


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Staff users with the model permission for the method; reading needs `view_`."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_staff) and super().has_permission(
            request, view
        )


class MayRedeliver(StaffModelPermissions):
    """Redelivering changes a delivery: `change_webhookdelivery`."""

    perms_map = {
        **StaffModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


class WebhookEndpointSerializer(WriteSerializer):
    # Declared: DRF drops the model field's own URLValidator, and with it the schemes.
    url = serializers.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where Glossary POSTs each event, as JSON (http or https).",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices),
        allow_empty=False,
        min_length=1,  # what allow_empty says, in the schema (minItems)
        help_text="The events this endpoint receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "secret", "created_at"]
        read_only_fields = ["secret", "created_at"]
        extra_kwargs = {
            "secret": {"help_text": "Verify each delivery's Glossary-Signature with it."}
        }

    def validate_events(self, value):
        return clean_events(list(value))


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "started_at",
            "duration_ms",
            "status_code",
            "response_snippet",
            "error",
        ]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
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
            "attempts",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List webhook endpoints",
        parameters=[fields_parameter(WebhookEndpointSerializer)],
    ),
    retrieve=extend_schema(
        summary="Get a webhook endpoint",
        parameters=[fields_parameter(WebhookEndpointSerializer)],
    ),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="The answer carries the endpoint's signing `secret`, made for it.",
    ),
    update=extend_schema(summary="Replace a webhook endpoint"),
    partial_update=extend_schema(summary="Change part of a webhook endpoint"),
    destroy=extend_schema(summary="Remove a webhook endpoint and its deliveries"),
)
class WebhookEndpointViewSet(RateLimitHeadersMixin, QueryParamsMixin, viewsets.ModelViewSet):
    """Where Glossary sends term events."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    permission_classes = [StaffModelPermissions]
    lookup_value_regex = "[0-9]+"


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries, newest first",
        parameters=[fields_parameter(WebhookDeliverySerializer)],
    ),
    retrieve=extend_schema(
        summary="Get a webhook delivery with its attempts",
        parameters=[fields_parameter(WebhookDeliverySerializer)],
    ),
)
class WebhookDeliveryViewSet(
    RateLimitHeadersMixin, QueryParamsMixin, viewsets.ReadOnlyModelViewSet
):
    """Each event sent to an endpoint, with every attempt."""

    queryset = WebhookDelivery.objects.prefetch_related("attempts")
    serializer_class = WebhookDeliverySerializer
    permission_classes = [StaffModelPermissions]
    filterset_fields = ["endpoint", "state", "event"]

    @extend_schema(
        summary="Send a delivery again",
        description="Same id and body; failed attempts are retried as for a new one.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[MayRedeliver])
    def redeliver(self, request, pk=None):
        delivery = self.get_object()
        webhooks.redeliver(delivery)
        return Response(self.get_serializer(delivery).data, status=status.HTTP_202_ACCEPTED)
