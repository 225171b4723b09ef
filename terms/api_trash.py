"""The trash over the API: list trashed terms, restore one, or delete one for good.

For Publishers (the *delete term* permission), as in the admin: moving a term to the trash
is `DELETE /api/v1/terms/{slug}/`; these endpoints act on what is already there.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from terms import writing
from terms.api_headers import RateLimitHeadersMixin
from terms.models import Source, Term
from terms.query_params import QueryParamsMixin, fields_parameter

DELETE_PERMISSION = "terms.delete_term"


class CanEmptyTheTrash(permissions.IsAuthenticated):
    message = "Only Publishers (the delete term permission) may use the trash."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_perm(DELETE_PERMISSION)


class TrashedTermSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    deleted_by = serializers.SerializerMethodField(
        help_text="Who moved it to the trash (the term's last change), or null for a script."
    )

    class Meta:
        model = Term
        fields = ["name", "slug", "category", "status", "deleted_at", "deleted_by", "version"]
        read_only_fields = fields

    def get_deleted_by(self, term) -> str | None:
        return term.updated_by.get_username() if term.updated_by else None


NOT_IN_TRASH = OpenApiResponse(description="No term with this slug is in the trash.")


@extend_schema_view(
    list=extend_schema(
        summary="List the trash",
        description="Terms moved to the trash, the most recently trashed first. Publishers only.",
        parameters=[fields_parameter(TrashedTermSerializer)],
        tags=["trash"],
    ),
    destroy=extend_schema(
        summary="Delete a trashed term for good",
        description="Deletes the term, its children and relations; its history stays. "
        "Cannot be undone. Only terms in the trash can be deleted this way.",
        responses={204: None, 404: NOT_IN_TRASH},
        tags=["trash"],
    ),
)
class TrashViewSet(
    RateLimitHeadersMixin,
    QueryParamsMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Terms in the trash."""

    serializer_class = TrashedTermSerializer
    permission_classes = [CanEmptyTheTrash]
    lookup_field = "slug"

    def get_queryset(self):
        return (
            Term.everything.filter(deleted_at__isnull=False)
            .select_related("category", "updated_by")
            .order_by("-deleted_at", "pk")
        )

    def perform_destroy(self, instance):
        with writing.batch(by=self.request.user, source=Source.API):
            writing.delete_term(instance)

    @extend_schema(
        summary="Restore a trashed term",
        description="Brings the term back as it was, children and relations included, "
        "with the status it had. (Its name and slug stay taken while it is in the trash, so "
        "nothing can clash.)",
        request=None,
        responses={200: TrashedTermSerializer, 404: NOT_IN_TRASH},
        tags=["trash"],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, slug=None):
        term = self.get_object()
        with writing.batch(by=request.user, source=Source.API):
            writing.restore_term(term)
        restored = Term.objects.select_related("category", "updated_by").get(pk=term.pk)
        return Response(self.get_serializer(restored).data)
