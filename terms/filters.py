"""Query parameters of the API's term list."""

from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from terms import search
from terms.models import Category, Difficulty, Provider, ProviderEquivalent

# The schema cannot see through `method=` to the slug it filters on.
PROVIDER_SLUG = extend_schema_field(OpenApiTypes.STR)


class TermFilter(filters.FilterSet):
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        help_text="Only terms in this category, by slug (`ai-ml`).",
    )
    difficulty = filters.ChoiceFilter(choices=Difficulty.choices, help_text="Only this level.")
    provider = PROVIDER_SLUG(
        filters.ModelChoiceFilter(
            queryset=Provider.objects.all(),
            to_field_name="slug",
            method="filter_provider",
            help_text="Only terms with a service on this provider, by slug (`aws`).",
        )
    )
    letter = filters.CharFilter(
        method="filter_letter",
        validators=[RegexValidator(r"^[A-Za-z#]$", "Give one letter, or # for the rest.")],
        help_text="Only terms whose name starts with this letter; `#` for digits and symbols.",
    )
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "Only terms changed at or after this ISO 8601 time (`2026-01-31T12:00:00Z`): "
            "poll it with the time of your last sync to mirror the glossary."
        ),
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text="Full-text search, best match first: names, aliases, definitions, services, use cases and FAQs.",
    )
    ordering = filters.OrderingFilter(
        fields=["name", "updated_at", "created_at", "difficulty"],
        help_text="Sort by `name`, `updated_at`, `created_at` or `difficulty`; `-` reverses.",
    )

    def filter_provider(self, queryset, name, provider):
        on_provider = ProviderEquivalent.objects.filter(term=OuterRef("pk"), provider=provider)
        return queryset.filter(Exists(on_provider))

    def filter_letter(self, queryset, name, letter):
        return queryset.starting_with(letter)

    def filter_search(self, queryset, name, query):
        # Ranked best first; an explicit `ordering` (applied after this filter) replaces it.
        return search.rank_queryset(queryset, query) if query.strip() else queryset
