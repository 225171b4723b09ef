"""The REST API for integrators, mounted at /api/v1/.

Reads are open to everyone; writes need a token (or a session) and Django's model
permissions. Lists and details carry Last-Modified; ConditionalGetMiddleware adds the
ETag and answers If-None-Match / If-Modified-Since with 304.
"""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, path, re_path, resolve
from django.utils.cache import patch_vary_headers
from django.utils.csp import CSP
from django.utils.http import http_date
from django.views.decorators.csp import csp_override
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
from rest_framework import permissions, renderers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from terms import serializers
from terms.filters import TermFilter
from terms.importers import export_term
from terms.models import Category, Provider, ProviderEquivalent, Term
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
        # An error (404, 429, ...): its message, readable as text.
        if isinstance(data, dict) and "detail" in data:
            return f"{data['detail']}\n"
        return f"{data}\n"


def set_last_modified(response, timestamps):
    """Last-Modified from the newest of `timestamps`, if any."""
    newest = max(timestamps, default=None)
    if newest is not None:
        response["Last-Modified"] = http_date(newest.timestamp())
    return response


TERM_DETAIL_EXAMPLE = {
    "name": "Model Training",
    "slug": "model-training",
    "url": "https://glossary.example.com/terms/model-training/",
    "definition": "The process of teaching an AI model to recognize patterns by feeding it "
    "labeled data and adjusting its parameters for optimal performance.",
    "definition_html": "<p>The process of teaching an AI model to recognize patterns by "
    "feeding it labeled data and adjusting its parameters for optimal performance.</p>",
    "summary": "The process of teaching an AI model to recognize patterns by feeding it "
    "labeled data and adjusting its parameters for optimal performance.",
    "category": {"slug": "ai-ml", "name": "AI & Machine Learning"},
    "difficulty": "intermediate",
    "aliases": ["Training"],
    "use_cases": [
        {
            "organization": "Netflix",
            "title": "Personalized recommendations to help users discover content",
            "description": "Trains recommendation and ranking models on user interaction data.",
            "outcome": "More relevant recommendations and improved user engagement.",
        }
    ],
    "provider_equivalents": [
        {
            "provider": {"slug": "aws", "short_name": "AWS", "name": "Amazon Web Services"},
            "service": "Amazon SageMaker Training",
            "note": "",
            "url": "",
        },
        {
            "provider": {"slug": "azure", "short_name": "Azure", "name": "Microsoft Azure"},
            "service": "Azure Machine Learning",
            "note": "training jobs",
            "url": "",
        },
    ],
    "faqs": [
        {
            "question": "What's the difference between model training and model inference?",
            "answer": "Training teaches a model from data; inference uses it on new data.",
            "answer_html": "<p>Training teaches a model from data; inference uses it on new "
            "data.</p>",
        }
    ],
    "related_terms": [
        {
            "name": "Model Inference",
            "slug": "model-inference",
            "url": "https://glossary.example.com/terms/model-inference/",
        }
    ],
    "see_also": [],
    "created_at": "2026-01-05T09:30:00Z",
    "updated_at": "2026-02-11T16:02:44Z",
}

TERM_WRITE_EXAMPLE = {
    "name": "Object Storage",
    "definition": "Storage that keeps data as objects in a flat namespace. It scales far.",
    "category": "storage",
    "difficulty": "beginner",
    "aliases": ["Blob storage"],
    "use_cases": [
        {
            "organization": "Airbnb",
            "title": "Photo storage",
            "description": "Keeps listing photos in buckets.",
            "outcome": "Cheap, durable storage.",
        }
    ],
    "provider_equivalents": [
        {"provider": "aws", "service": "Amazon S3", "note": "", "url": ""},
        {"provider": "azure", "service": "Azure Blob Storage", "note": "", "url": ""},
    ],
    "faqs": [{"question": "Is it a file system?", "answer": "No: objects have no folders."}],
    "related_terms": [],
    "see_also": [],
}


SLUG_REGEX = "[-a-zA-Z0-9_]+"
# The router's pattern, stated in the schema so clients know what a slug may hold.
SLUG = OpenApiParameter(
    "slug", {"type": "string", "pattern": f"^{SLUG_REGEX}$"}, OpenApiParameter.PATH
)


@extend_schema_view(
    list=extend_schema(
        summary="List terms",
        description="Summaries of terms, paginated and filterable; by name unless `ordering`.",
    ),
    retrieve=extend_schema(
        parameters=[SLUG],
        summary="Get a term",
        description=(
            "Everything about a term in one response, children in their editorial order. "
            "`?format=txt` or `Accept: text/plain` gives the entry in the glossary's text "
            "format instead."
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
        request=serializers.TermWriteSerializer,
        responses={201: serializers.TermDetailSerializer},
        examples=[OpenApiExample("Object Storage", value=TERM_WRITE_EXAMPLE, request_only=True)],
    ),
    update=extend_schema(
        parameters=[SLUG],
        summary="Replace a term",
        description="Lists left out of the payload keep their stored items.",
        request=serializers.TermWriteSerializer,
        responses={200: serializers.TermDetailSerializer},
    ),
    partial_update=extend_schema(
        parameters=[SLUG],
        summary="Change part of a term",
        description="Only the fields given change; a list given replaces the stored one.",
        request=serializers.TermWriteSerializer,
        responses={200: serializers.TermDetailSerializer},
    ),
    destroy=extend_schema(parameters=[SLUG], summary="Delete a term"),
)
class TermViewSet(viewsets.ModelViewSet):
    """Glossary terms."""

    queryset = Term.objects.all()
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    filterset_class = TermFilter

    def get_queryset(self):
        if self.action == "list":
            return Term.objects.summaries()
        return Term.objects.with_related()

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
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        return set_last_modified(response, (term.updated_at for term in self._page))

    def paginate_queryset(self, queryset):
        self._page = super().paginate_queryset(queryset)
        return self._page

    def retrieve(self, request, *args, **kwargs):
        # The term page's five precompiled queries: building the ORM's SQL cost more than
        # running it. Writes still load through get_object().
        term = term_page(self.kwargs[self.lookup_field])
        if term is None:
            raise Http404(f"No {Term._meta.object_name} matches the given query.")
        self.check_object_permissions(request, term)
        if request.accepted_renderer.format == TermTextRenderer.format:
            response = Response(export_term(term))
        else:
            response = Response(self.get_serializer(term).data)
        linked = [*term.related_terms.all(), *term.see_also.all()]
        return set_last_modified(response, [term.updated_at, *(t.updated_at for t in linked)])

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Same URL, JSON or text by Accept: caches must keep them apart.
        patch_vary_headers(response, ["Accept"])
        return response


class ReadOnlyAPI(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    pagination_class = None  # A handful of rows: one page says it all.
    detail_serializer_class = None

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class


def _term_links():
    return Term.objects.only("id", "name", "slug", "category_id").order_by("name")


@extend_schema_view(
    list=extend_schema(summary="List categories"),
    retrieve=extend_schema(parameters=[SLUG], summary="Get a category with its terms"),
)
class CategoryViewSet(ReadOnlyAPI):
    """Categories of terms."""

    serializer_class = serializers.CategorySerializer
    detail_serializer_class = serializers.CategoryDetailSerializer

    def get_queryset(self):
        categories = Category.objects.annotate(term_count=Count("terms"))
        if self.action == "retrieve":
            categories = categories.prefetch_related(Prefetch("terms", queryset=_term_links()))
        return categories


@extend_schema_view(
    list=extend_schema(summary="List providers"),
    retrieve=extend_schema(
        parameters=[SLUG], summary="Get a provider with its services and their terms"
    ),
)
class ProviderViewSet(ReadOnlyAPI):
    """Cloud providers whose services implement terms."""

    serializer_class = serializers.ProviderSerializer
    detail_serializer_class = serializers.ProviderDetailSerializer

    def get_queryset(self):
        providers = Provider.objects.annotate(term_count=Count("equivalents__term", distinct=True))
        if self.action == "retrieve":
            services = ProviderEquivalent.objects.select_related("term").only(
                "id", "provider_id", "service", "term__id", "term__name", "term__slug"
            )
            providers = providers.prefetch_related(
                Prefetch("equivalents", queryset=services.order_by("term__name", "position"))
            )
        return providers


class EquivalentViewSet(viewsets.ViewSet):
    """Map a service on one provider to the same thing on the others."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Find a service's equivalents on the other providers",
        description=(
            "The terms a provider's service implements (its name matched in any case), each "
            "with the services that implement it on every other provider."
        ),
        parameters=[serializers.EquivalentLookupSerializer],
        responses={200: serializers.EquivalentResultSerializer},
    )
    def list(self, request):
        lookup = serializers.EquivalentLookupSerializer(data=request.query_params)
        lookup.is_valid(raise_exception=True)
        provider, service = lookup.validated_data["provider"], lookup.validated_data["service"]
        implements = ProviderEquivalent.objects.filter(
            term=OuterRef("pk"), provider=provider, service__iexact=service
        )
        others = ProviderEquivalent.objects.exclude(provider=provider).select_related("provider")
        terms = (
            Term.objects.filter(Exists(implements))
            .only("id", "name", "slug")
            .prefetch_related(Prefetch("provider_equivalents", queryset=others))
        )
        results = [{"term": term, "equivalents": term.provider_equivalents.all()} for term in terms]
        data = {"provider": provider, "service": service, "results": results}
        context = {"request": request}
        return Response(serializers.EquivalentResultSerializer(data, context=context).data)


def exception_handler(exc, context):
    """DRF's handler, with validation errors keyed by field path (`use_cases[1].outcome`)."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = flatten_errors(response.data)
    return response


def flatten_errors(errors, prefix=""):
    """{"use_cases": [{}, {"outcome": [msg]}]} -> {"use_cases[1].outcome": [msg]}."""
    if isinstance(errors, dict):
        items = errors.items()
    elif isinstance(errors, list) and any(isinstance(e, (dict, list)) for e in errors):
        items = enumerate(errors)
    else:
        messages = errors if isinstance(errors, list) else [errors]
        return {prefix or "non_field_errors": messages}
    flat = {}
    for key, value in items:
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten_errors(value, path))
    return flat


ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages by field path, e.g. `use_cases[1].outcome`.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}
ERROR_DESCRIPTIONS = {
    "400": ("ValidationError", "Invalid parameters or payload; messages by field path."),
    "401": ("Error", "Writes need a token (`Authorization: Token <key>`) or a session."),
    "403": ("Error", "Signed in, but without the model permission this change needs."),
    "404": ("Error", "No such object, or a page past the end."),
    "429": ("Error", "Over the rate limit; `Retry-After` says how many seconds to wait."),
}


def document_errors(result, generator, request, public):
    """Spectacular hook: the error responses every operation can give, in one place."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path_, operations in result["paths"].items():
        for method, operation in operations.items():
            codes = {"429"}
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "{" in path_ or "page" in params:
                codes.add("404")
            if method == "get" and params - {"page", "page_size"}:
                codes.add("400")
            if method in {"post", "put", "patch", "delete"}:
                codes |= {"401", "403"} | ({"400"} if method != "delete" else set())
            # Errors come in the negotiated format: text for `?format=txt`.
            as_text = "text/plain" in operation["responses"].get("200", {}).get("content", {})
            for code in sorted(codes):
                schema, description = ERROR_DESCRIPTIONS[code]
                content = {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                }
                if as_text:
                    content["text/plain"] = {"schema": {"type": "string"}}
                operation["responses"].setdefault(
                    code, {"description": description, "content": content}
                )
    return result


def not_found(request, path):
    """Unknown URLs under /api/v1/ answer in JSON, like the API's own 404s, not the site's page."""
    if not request.path.endswith("/") and request.method in {"GET", "HEAD"}:
        # APPEND_SLASH cannot act once this catch-all matches, so do its job here.
        match = resolve_or_none(f"{request.path}/")
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(f"{request.path}/")
    return JsonResponse({"detail": "Not found."}, status=404)


def resolve_or_none(path_):
    try:
        return resolve(path_)
    except Resolver404:
        return None


def health(request):
    """A liveness probe for load balancers: no database, no DRF."""
    return JsonResponse({"status": "ok"})


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
router.register("equivalents", EquivalentViewSet, basename="equivalent")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", redoc_csp(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    path("health/", health, name="health"),
    *router.urls,
    re_path(r"^(?P<path>[\s\S]*)$", not_found),
]
