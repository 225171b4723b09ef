"""The REST API for integrators, mounted at /api/v1/.

Reads are open to everyone; writes need a token (or a session) and Django's model
permissions. Lists and details carry Last-Modified; ConditionalGetMiddleware adds the
list's ETag and answers If-None-Match / If-Modified-Since with 304. A term's ETag names
its version (terms.versions): a write sent with If-Match and an older one gets 412.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.urls import path, re_path, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.cache import patch_vary_headers
from django.utils.csp import CSP
from django.utils.http import http_date
from django.views.decorators.csp import csp_override
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from terms import (
    api_webhooks,
    changes,
    page_cache,
    probes,
    redirects,
    roles,
    serializers,
    versions,
    writing,
)
from terms.api_headers import RateLimitHeadersMixin
from terms.api_sync import SyncView
from terms.api_trash import TrashViewSet
from terms.filters import TermFilter
from terms.importers import export_term
from terms.models import Category, Provider, ProviderEquivalent, Source, Status, Term, published_q
from terms.openapi import TERM_DETAIL_EXAMPLE, TERM_WRITE_EXAMPLE
from terms.query_params import QueryParamsMixin, fields_parameter
from terms.term_page import term_page

app_name = "api"


class TermTextRenderer(renderers.BaseRenderer):
    """A term in the glossary's text format, exactly as `export_glossary` writes it."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data
        # An error (404, 429, a 400's parameters): its messages, a line each, readable as text.
        if isinstance(data, dict) and "errors" in data:
            return "".join(
                f"{e['field']}: {e['message']}\n" if e.get("field") else f"{e['message']}\n"
                for e in data["errors"]
            )
        return f"{data}\n"


def set_last_modified(response, timestamps):
    """Last-Modified from the newest of `timestamps`, unless none or still this second
    (terms.changes.last_modified)."""
    newest = changes.last_modified(timestamps)
    if newest is not None:
        response["Last-Modified"] = http_date(newest.timestamp())
    return response


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, current_etag):
        self.current_etag = current_etag
        self.extra = {"current_etag": current_etag}  # beside `errors` in the body
        super().__init__(
            "The term changed since the version your If-Match names. GET it again, apply "
            "your change to it, and send its ETag."
        )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The ETag of the term as you read it: the change is made only if the term is still "
        "at that version, else 412. Left out, the change is made whatever the version."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The term's version; send it back in If-Match to change the term safely.",
    response=[200, 201],
)


SLUG_REGEX = "[-a-zA-Z0-9_]+"
# The router's pattern, stated in the schema so clients know what a slug may hold.
SLUG = OpenApiParameter(
    "slug", {"type": "string", "pattern": f"^{SLUG_REGEX}$"}, OpenApiParameter.PATH
)


@extend_schema_view(
    list=extend_schema(
        parameters=[fields_parameter(serializers.TermSummarySerializer)],
        summary="List terms",
        description="Summaries of terms, paginated and filterable; by name unless `ordering`.",
    ),
    retrieve=extend_schema(
        parameters=[SLUG, ETAG, fields_parameter(serializers.TermDetailSerializer)],
        summary="Get a term",
        description=(
            "Everything about a term in one response, children in their editorial order. "
            "`Accept: text/plain` (or `?format=txt`) gives the entry in the glossary's text "
            "format instead; `/api/v1/terms/{slug}/text/` always does."
        ),
        responses={
            (200, "application/json"): serializers.TermDetailSerializer,
            (200, "text/plain"): OpenApiTypes.STR,
        },
        examples=[
            OpenApiExample(
                "Model Training", value=TERM_DETAIL_EXAMPLE, response_only=True, status_codes=[200]
            )
        ],
    ),
    create=extend_schema(
        summary="Create a term",
        description="A term with its children in one request, all-or-nothing.",
        parameters=[ETAG],
        request=serializers.TermWriteSerializer,
        responses={201: serializers.TermDetailSerializer},
        examples=[OpenApiExample("Object Storage", value=TERM_WRITE_EXAMPLE, request_only=True)],
    ),
    update=extend_schema(
        parameters=[SLUG, IF_MATCH, ETAG],
        summary="Replace a term",
        description="Lists left out of the payload keep their stored items.",
        request=serializers.TermWriteSerializer,
        responses={200: serializers.TermDetailSerializer},
    ),
    partial_update=extend_schema(
        parameters=[SLUG, IF_MATCH, ETAG],
        summary="Change part of a term",
        description="Only the fields given change; a list given replaces the stored one.",
        request=serializers.TermWriteSerializer,
        responses={200: serializers.TermDetailSerializer},
    ),
    destroy=extend_schema(
        parameters=[SLUG, IF_MATCH],
        summary="Delete a term",
        description=(
            "Moves the term to the trash: it is gone from every read at once, and an editor "
            "can restore it, children and relations included, from the admin."
        ),
        responses={204: None},
    ),
)
class TermViewSet(RateLimitHeadersMixin, QueryParamsMixin, viewsets.ModelViewSet):
    """Glossary terms."""

    queryset = Term.objects.all()
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    filterset_class = TermFilter

    def get_queryset(self):
        if self.action == "retrieve":
            # retrieve() reads through term_page() and asks who may see a term only when it
            # is unpublished: a published term costs no permission queries. (DRF's model
            # permissions call this for the model alone.)
            return Term.objects.all()
        terms = Term.objects.all() if self._sees_unpublished() else Term.objects.published()
        if self.action == "list":
            return terms.summaries().alphabetical()
        return terms.with_related()

    def _sees_unpublished(self):
        return roles.can_see_unpublished(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.TermSummarySerializer
        if self.action == "retrieve":
            return serializers.TermDetailSerializer
        return serializers.TermWriteSerializer

    def get_renderers(self):
        renderers_ = super().get_renderers()
        if self.action == "retrieve":
            renderers_.append(TermTextRenderer())
        return renderers_

    def filter_queryset(self, queryset):
        # Filters describe lists; a detail URL with stray parameters still finds its term.
        if self.action != "list":
            return queryset
        backend = DjangoFilterBackend()
        filterset = backend.get_filterset(self.request, queryset, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        filtered = filterset.qs
        self.paginator.count_capped = filterset.search_capped
        return filtered

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        # The newest change readers (or editors) see, deletions included: a term that left
        # the list changes it as much as one on the page.
        public = not self._sees_unpublished()
        stamps = [changes.latest_at(public), *(term.changed_at for term in self.paginator.page)]
        return set_last_modified(response, stamps)

    @extend_schema(
        parameters=[SLUG, ETAG],
        summary="Get a term in the text format",
        description="The entry exactly as `export_glossary` writes it, ready to import.",
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    @action(detail=True, renderer_classes=[TermTextRenderer], filter_backends=[])
    def text(self, request, *args, **kwargs):
        # A URL of its own: a generated client parses an operation's answer by its first
        # documented type, so `retrieve` alone cannot give it JSON and text.
        return self.retrieve(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        # The term page's five precompiled queries: building the ORM's SQL cost more than
        # running it. Writes still load through get_object().
        term = term_page(self.kwargs[self.lookup_field])
        if term is None or not (term.is_published or self._sees_unpublished()):
            return self._moved(self.kwargs[self.lookup_field])
        self.check_object_permissions(request, term)
        if request.accepted_renderer.format == TermTextRenderer.format:
            response = Response(export_term(term))
        else:
            response = Response(self.get_serializer(term).data)
        response["ETag"] = versions.etag(term.pk, term.version, request.accepted_renderer.format)
        # changed_at moves with the linked terms' names too (terms.changes).
        return set_last_modified(response, [term.changed_at])

    def _moved(self, slug):
        """301 to the term an old slug names now (terms.redirects), else 404."""
        visible = Term.objects.all() if self._sees_unpublished() else Term.objects.published()
        moved = redirects.current(slug, visible)
        if moved is None:
            raise Http404(f"No {Term._meta.object_name} matches the given query.")
        return redirects.redirect(
            self.request, reverse("api:term-detail", kwargs={"slug": moved.slug})
        )

    # Writes: each one batch, recorded as the client's user. With If-Match, the version is
    # checked as the term is read (412 comes before any 400 about the payload) and again,
    # locked, inside the write's transaction.

    def get_object(self):
        term = super().get_object()
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self._require_if_match(term.pk, lock=False)
        return term

    def _require_if_match(self, pk, *, lock):
        if_match = self.request.headers.get("If-Match")
        if if_match is None:
            return
        current = versions.stamp(pk, lock=lock)
        if not versions.if_match_passes(if_match, current):
            raise PreconditionFailed(versions.etag(pk, current.version))

    def perform_create(self, serializer):
        with writing.batch(by=self.request.user, source=Source.API):
            self.written = serializer.save(**self._status_allowed(serializer))

    def perform_update(self, serializer):
        with writing.batch(by=self.request.user, source=Source.API):
            self._require_if_match(serializer.instance.pk, lock=True)
            self.written = serializer.save(**self._status_allowed(serializer))

    def _status_allowed(self, serializer):
        """The status a write gives the term; PermissionDenied when publishing, or changing
        what readers see, is not the client's to do (an Editor drafts, a Publisher
        publishes)."""
        wanted = serializer.validated_data.get("status")
        instance = serializer.instance
        if roles.can_publish(self.request.user):
            return {"status": wanted or Status.PUBLISHED} if instance is None else {}
        if wanted == Status.PUBLISHED or (instance is not None and instance.is_published):
            raise PermissionDenied(
                "Publishing a term, or changing a published one, needs the publish_term "
                "permission (the Publisher role); an Editor's new terms are drafts."
            )
        return {"status": wanted or Status.DRAFT} if instance is None else {}

    def perform_destroy(self, instance):
        # To the trash, as in the admin: an editor can restore it.
        with writing.batch(by=self.request.user, source=Source.API):
            self._require_if_match(instance.pk, lock=True)
            writing.trash_term(instance)

    def create(self, request, *args, **kwargs):
        return self._with_etag(super().create(request, *args, **kwargs))

    def update(self, request, *args, **kwargs):
        return self._with_etag(super().update(request, *args, **kwargs))

    def _with_etag(self, response):
        """The written term's ETag, as a GET of it would give now (its batch has ended)."""
        current = versions.stamp(self.written.pk)
        response["ETag"] = versions.etag(
            current.pk, current.version, self.request.accepted_renderer.format
        )
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, PreconditionFailed):
            response["ETag"] = exc.current_etag
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Same URL, JSON or text by Accept: caches must keep them apart.
        patch_vary_headers(response, ["Accept"])
        return response


class ReadOnlyAPI(RateLimitHeadersMixin, QueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    pagination_class = None  # A handful of rows: one page says it all.
    detail_serializer_class = None

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class


@extend_schema_view(
    list=extend_schema(
        parameters=[fields_parameter(serializers.CategorySerializer)], summary="List categories"
    ),
    retrieve=extend_schema(
        parameters=[SLUG, fields_parameter(serializers.CategoryDetailSerializer)],
        summary="Get a category with its terms",
    ),
)
class CategoryViewSet(ReadOnlyAPI):
    """Categories of terms."""

    serializer_class = serializers.CategorySerializer
    detail_serializer_class = serializers.CategoryDetailSerializer

    def get_queryset(self):
        categories = Category.objects.with_term_count()
        if self.action == "retrieve":
            terms = Term.objects.published().links().alphabetical()
            categories = categories.prefetch_related(Prefetch("terms", queryset=terms))
        return categories


@extend_schema_view(
    list=extend_schema(
        parameters=[fields_parameter(serializers.ProviderSerializer)], summary="List providers"
    ),
    retrieve=extend_schema(
        parameters=[SLUG, fields_parameter(serializers.ProviderDetailSerializer)],
        summary="Get a provider with its services and their terms",
    ),
)
class ProviderViewSet(ReadOnlyAPI):
    """Cloud providers whose services implement terms."""

    serializer_class = serializers.ProviderSerializer
    detail_serializer_class = serializers.ProviderDetailSerializer

    def get_queryset(self):
        providers = Provider.objects.with_counts()
        if self.action == "retrieve":
            providers = providers.with_services()
        return providers


class EquivalentLookup(RateLimitHeadersMixin, QueryParamsMixin, APIView):
    """Map a service on one provider to the same thing on the others."""

    permission_classes = [permissions.AllowAny]
    query_parameters = ("provider", "service")

    @extend_schema(
        summary="Find a service's equivalents on the other providers",
        description=(
            "The terms a provider's service implements, each with the services that "
            "implement it on every other provider. `service` matches a service's name (any "
            "case), one of its former names (a renamed service still finds what it became), "
            "or words in its note (`EKS` finds Amazon Elastic Kubernetes Service's term); "
            "`matched_on` says which, and results come in that order, then by term name."
        ),
        operation_id="equivalents_lookup",
        parameters=[serializers.EquivalentLookupSerializer],
        responses={200: serializers.EquivalentResultSerializer},
    )
    def get(self, request):
        lookup = serializers.EquivalentLookupSerializer(data=request.query_params)
        lookup.is_valid(raise_exception=True)
        provider, service = lookup.validated_data["provider"], lookup.validated_data["service"]
        others = (
            ProviderEquivalent.objects.filter(published_q("term__"))
            .exclude(provider=provider)
            .select_related("provider")
        )
        terms = (
            Term.objects.published()
            .on_provider_matching(provider, service)
            .links()
            .prefetch_related(Prefetch("provider_equivalents", queryset=others))
        )
        results = [
            {
                "term": term,
                "matched_on": term.matched_on,
                "equivalents": term.provider_equivalents.all(),
            }
            for term in terms
        ]
        data = {"provider": provider, "service": service, "results": results}
        context = {"request": request}
        return Response(serializers.EquivalentResultSerializer(data, context=context).data)


# Swagger UI (split view: its init script comes from our origin) runs under the site's
# CSP as is. ReDoc injects styles and starts its search worker from a blob: it alone
# gets those two relaxations.
redoc_csp = csp_override(
    {
        **settings.SECURE_CSP,
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "worker-src": [CSP.SELF, "blob:"],
    }
)

router = DefaultRouter()
router.register("terms", TermViewSet, basename="term")
router.register("categories", CategoryViewSet, basename="category")
router.register("providers", ProviderViewSet, basename="provider")
# Deliveries first: their prefix would otherwise read as an endpoint's id.
router.register(
    "webhooks/deliveries", api_webhooks.WebhookDeliveryViewSet, basename="webhook-delivery"
)
router.register("webhooks", api_webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("trash", TrashViewSet, basename="trash")


def without_slash(pattern):
    """`pattern` answering its URL without the trailing slash too, unnamed so that reverse()
    keeps giving the canonical form: a redirect would drop a write's body and (Django's
    APPEND_SLASH) a GET's query string."""
    route = str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern) and route.endswith("/$"):
        return re_path(route[:-2] + "$", pattern.callback, pattern.default_args)
    if isinstance(pattern.pattern, RoutePattern) and route.endswith("/"):
        return path(route[:-1], pattern.callback, pattern.default_args)
    return None


canonical = [
    # The schema is the code's, not the content's: it needs no database, not even the page
    # cache's generation read. It and its docs are not counted against a client's budget.
    path(
        "schema/",
        page_cache.exempt(SpectacularAPIView.as_view(throttle_classes=[])),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", throttle_classes=[]),
        name="docs",
    ),
    path(
        "redoc/",
        redoc_csp(SpectacularRedocView.as_view(url_name="api:schema", throttle_classes=[])),
        name="redoc",
    ),
    path("health/", probes.live, name="health"),
    path("sync/", SyncView.as_view(), name="sync"),
    path("health/ready/", probes.ready, name="health-ready"),
    # One object per lookup, not a collection: a view of its own, not a router's list.
    path("equivalents/", EquivalentLookup.as_view(), name="equivalents"),
    *router.urls,
]
urlpatterns = canonical + list(filter(None, map(without_slash, canonical)))
