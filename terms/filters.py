"""FilterSets: the query parameters of the site's lists and the API's term list."""

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Case, Value, When
from django.db.models.functions import Lower
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from terms import search
from terms.models import Category, Difficulty, Provider, Term

# The schema cannot see through `method=` to the slug it filters on.
PROVIDER_SLUG = extend_schema_field(OpenApiTypes.STR)
LETTER = r"^[A-Za-z#]$"


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, turned to UTC: PostgreSQL refuses offsets beyond ±15:59 (`+19:40`)
    that Python accepts, and would answer them with a server error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                "Give a time between the years 1 and 9999.", code="invalid"
            ) from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


# Difficulty sorts by level, not by its stored word (advanced < beginner < intermediate).
DIFFICULTY_LEVEL = Case(
    *(When(difficulty=value, then=Value(level)) for level, value in enumerate(Difficulty.values))
)


class Ordering(filters.OrderingFilter):
    """Several fields, comma-separated (`-difficulty,name`); ties are broken by name, then
    id, so pages never overlap or skip a term."""

    def filter(self, qs, value):
        # "?ordering=," names no field: keep the default order rather than drop every order.
        value = [field for field in value or () if field]
        if not value:
            return qs
        return qs.order_by(*map(self.get_ordering_value, value), Lower("name"), "pk")

    def get_ordering_value(self, param):
        # Names sort as in the default order, ignoring case, whatever the collation.
        expression = {"name": Lower("name"), "difficulty": DIFFICULTY_LEVEL}.get(param.lstrip("-"))
        if expression is not None:
            return expression.desc() if param.startswith("-") else expression.asc()
        return super().get_ordering_value(param)


class CategoriesFilter(filters.BaseInFilter, filters.ModelChoiceFilter):
    """One or more category slugs, comma-separated."""


class DifficultiesFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """One or more levels, comma-separated."""


class TermPageFilter(filters.FilterSet):
    """The reader's filters on /terms/, combinable and kept in the URL as slugs."""

    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="All categories",
        help_text="Only terms in this category, by slug (`ai-ml`).",
    )
    difficulty = filters.ChoiceFilter(
        choices=Difficulty.choices, empty_label="Any difficulty", help_text="Only this level."
    )
    provider = PROVIDER_SLUG(
        filters.ModelChoiceFilter(
            queryset=Provider.objects.all(),
            to_field_name="slug",
            method="filter_provider",
            label="Provider",
            empty_label="Any provider",
            help_text="Only terms with a service on this provider, by slug (`aws`).",
        )
    )

    class Meta:
        model = Term
        fields = ["category", "difficulty", "provider"]

    def filter_provider(self, queryset, name, provider):
        return queryset.on_provider(provider)


class TermFilter(TermPageFilter):
    """The API's term list: the reader's filters, each taking several values
    comma-separated (`category=storage,ai-ml`: terms in either), and more."""

    category = CategoriesFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        help_text="Only terms in these categories, by slug, comma-separated (`storage,ai-ml`).",
    )
    difficulty = DifficultiesFilter(
        choices=Difficulty.choices,
        help_text="Only terms at these levels, comma-separated (`beginner,intermediate`).",
    )
    provider = PROVIDER_SLUG(
        CategoriesFilter(
            queryset=Provider.objects.all(),
            to_field_name="slug",
            method="filter_provider",
            help_text=(
                "Only terms with a service on one of these providers, by slug, "
                "comma-separated (`aws,gcp`)."
            ),
        )
    )

    letter = extend_schema_field({"type": "string", "pattern": LETTER})(
        filters.CharFilter(
            method="filter_letter",
            validators=[RegexValidator(LETTER, "Give one letter, or # for the rest.")],
            help_text="Only terms whose name starts with this letter; `#` for digits and symbols.",
        )
    )
    updated_since = UtcDateTimeFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text=(
            "Only terms whose representation changed at or after this ISO 8601 time "
            "(`2026-01-31T12:00:00Z`), by their `changed_at`; to mirror the glossary with "
            "deletions, use `/api/v1/sync/`."
        ),
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text="Full-text search, best match first: names, aliases, definitions, services, use cases and FAQs.",
    )
    ordering = Ordering(
        fields=["name", "updated_at", "created_at", "difficulty"],
        help_text=(
            "Sort by `name`, `updated_at`, `created_at` or `difficulty` (by level, beginner "
            "first); `-` reverses; several, comma-separated, sort by each in turn "
            "(`-difficulty,name`). Ties are sorted by name."
        ),
    )

    def filter_provider(self, queryset, name, providers):
        terms = queryset.none()
        for provider in providers:
            terms |= queryset.on_provider(provider)
        return terms

    def filter_letter(self, queryset, name, letter):
        return queryset.starting_with(letter)

    search_capped = False  # whether more terms match `search` than it lists

    def filter_search(self, queryset, name, query):
        # Ranked best first; an explicit `ordering` (applied after this filter) replaces it.
        if not query.strip():
            return queryset
        # Narrowed as the site's search narrows it: the filters choose among all matches,
        # not among the first MAX_RESULTS of the whole glossary.
        # The search narrows by one value of each; several are applied to its results.
        chosen = {name: only(self.form.cleaned_data.get(name)) for name in FILTERS_SEARCHED}
        results = search.search_terms(
            query,
            category=getattr(chosen["category"], "slug", None),
            difficulty=chosen["difficulty"],
            provider=getattr(chosen["provider"], "slug", None),
            facets=False,
        )
        self.search_capped = results.total_capped or results.total > len(results.ids)
        return search.rank_queryset(queryset, results)


FILTERS_SEARCHED = ("category", "difficulty", "provider")


def only(values):
    """The one value of a filter given exactly one, else None."""
    return values[0] if values and len(values) == 1 else None


class CompareFilter(filters.FilterSet):
    """The comparison matrix: by category, and by a term's name or alias or any of its
    services' names, notes and former names, the best match first."""

    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", empty_label="All categories"
    )
    q = filters.CharFilter(
        method="filter_text",
        label="Term or service",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Amazon S3, AKS, Blob Storage…"}
        ),
    )

    class Meta:
        model = Term
        fields = ["category", "q"]

    def filter_text(self, queryset, name, value):
        return queryset.matching_name_or_service(value).best_match_first(value)
