"""How the API reads and writes terms, categories and providers.

Reads use one serializer per shape (summary in lists, everything in the detail); writes
go through `TermWriteSerializer`, which hands the term and its children to the one write
path (terms.writing) and answers with the detail shape.
"""

import re

from django.core.validators import slug_re
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from terms import redirects, textformat, writing
from terms.models import (
    FAQ,
    Category,
    Provider,
    ProviderEquivalent,
    Status,
    Term,
    UseCase,
    validate_lowercase_slug,
)


def base_url(context):
    """The site's scheme and host ("https://glossary.example.com"), or "" without a request."""
    request = context.get("request")
    if request is None:
        return ""
    # Building the host part once per request keeps 50-item pages cheap.
    base = context.get("_base_url")
    if base is None:
        base = context["_base_url"] = request.build_absolute_uri("/").rstrip("/")
    return base


def absolute_url(context, path):
    """`path` as an absolute URL when the serializer has a request, else as is."""
    return base_url(context) + path


# A root-relative href in rendered HTML ("/terms/x/", not "//host/x"): made absolute in the
# API, whose HTML is shown on other sites.
ROOT_RELATIVE_HREF = re.compile(r'href="/(?!/)')


def absolute_links(context, html):
    """Rendered HTML whose links work wherever it is embedded."""
    base = base_url(context)
    return ROOT_RELATIVE_HREF.sub(f'href="{base}/', html) if base else html


def api_url(context, obj):
    """The object's resource in this API, as an absolute URL."""
    # One reverse() per model and request, not per object: a page lists 100 terms.
    prefixes = context.setdefault("_api_prefixes", {})
    name = obj._meta.model_name
    if name not in prefixes:
        prefixes[name] = absolute_url(context, reverse(f"api:{name}-list"))
    return f"{prefixes[name]}{obj.slug}/"


class WebUrlField(serializers.Field):
    """The object's page on the website, as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The page on the website.")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return absolute_url(self.context, value.get_absolute_url())


class ApiUrlField(serializers.Field):
    """The object in this API, as an absolute URL (`Location` after a create)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "This object in the API.")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return api_url(self.context, value)


extend_schema_field(OpenApiTypes.URI)(WebUrlField)
extend_schema_field(OpenApiTypes.URI)(ApiUrlField)


class StrictStringMixin:
    """Text fields that take only JSON strings: DRF's also turn numbers into text, which the
    schema (`type: string`) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


class StrictBooleanField(serializers.BooleanField):
    """A flag that takes only JSON's true and false: DRF's also takes 0, 1, "yes" and "on",
    which the schema (`type: boolean`) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


@extend_schema_field({"type": "string", "pattern": "^[-a-z0-9_]+$", "maxLength": 200})
class LowercaseSlugField(StrictSlugField):
    """A term's slug as written: lowercase (the schema says so; DRF's pattern allows any
    case)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=200, validators=[validate_lowercase_slug], **kwargs)


class WriteSerializer(serializers.ModelSerializer):
    # A ModelSerializer whose text fields take strings only (flags only booleans), and which
    # refuses a key that is not a field it writes (`difficutly`, `definition_html`) rather
    # than dropping it. (A comment: the schema would show a docstring to integrators as each
    # body's description.)

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.BooleanField: StrictBooleanField,
    }

    def to_internal_value(self, data):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - writable) if isinstance(data, dict) else []
        errors = {
            key: [ErrorDetail("Not a field you can write here.", code="unknown_field")]
            for key in unknown
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Reported with the other fields' errors, not instead of them.
            raise serializers.ValidationError({**exc.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ProviderSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["slug", "short_name", "name"]


class TermLinkSerializer(serializers.ModelSerializer):
    url = ApiUrlField()
    html_url = WebUrlField()

    class Meta:
        model = Term
        fields = ["name", "slug", "url", "html_url"]


def iso_datetime(value):
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current zone, "Z" for UTC."""
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class FastReadMixin:
    # The declared fields document the shape; `represent` builds it by hand. Building DRF
    # fields for every nested child is most of the cost of a term's JSON, so the hot read
    # paths write plain dicts. The endpoint tests and the schemathesis run check that both
    # agree. (A comment, not a docstring: the schema would show it to integrators.)

    def to_representation(self, instance):
        return self.represent(instance, self.context)


def _link(term, context):
    return {
        "name": term.name,
        "slug": term.slug,
        "url": api_url(context, term),
        "html_url": absolute_url(context, term.get_absolute_url()),
    }


class TermSummarySerializer(FastReadMixin, serializers.ModelSerializer):
    """A term as lists give it; its detail URL gives everything."""

    url = ApiUrlField()
    html_url = WebUrlField()
    category = CategorySummarySerializer(read_only=True)
    aliases = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Other names and abbreviations."
    )
    summary = serializers.CharField(
        read_only=True, help_text="The definition's first sentence, as plain text."
    )

    class Meta:
        model = Term
        fields = ["id", "name", "slug", "url", "html_url", "category", "difficulty", "aliases"]
        fields += ["summary", "updated_at", "changed_at"]

    @staticmethod
    def represent(term, context):
        return {
            "id": term.pk,
            "name": term.name,
            "slug": term.slug,
            "url": api_url(context, term),
            "html_url": absolute_url(context, term.get_absolute_url()),
            "category": {"slug": term.category.slug, "name": term.category.name},
            "difficulty": term.difficulty,
            "aliases": list(term.aliases),
            "summary": term.summary,
            "updated_at": iso_datetime(term.updated_at),
            "changed_at": iso_datetime(term.changed_at),
        }


class UseCaseSerializer(WriteSerializer):
    class Meta:
        model = UseCase
        fields = ["organization", "title", "description", "outcome"]


class ProviderEquivalentSerializer(serializers.ModelSerializer):
    provider = ProviderSummarySerializer(read_only=True)

    class Meta:
        model = ProviderEquivalent
        fields = ["provider", "service", "note", "url"]


class AbsoluteLinksHtmlField(serializers.CharField):
    """Rendered HTML with absolute links."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return absolute_links(self.context, value)


class FAQSerializer(serializers.ModelSerializer):
    answer_html = AbsoluteLinksHtmlField(
        help_text="The answer, sanitised HTML; its links are absolute URLs."
    )

    class Meta:
        model = FAQ
        fields = ["question", "answer", "answer_html"]


class TermDetailSerializer(TermSummarySerializer):
    """Everything about a term, children in their editorial order."""

    definition = serializers.CharField(read_only=True, help_text="Markdown source.")
    definition_html = AbsoluteLinksHtmlField(
        help_text="The definition rendered to sanitised HTML; its links are absolute URLs."
    )
    use_cases = UseCaseSerializer(many=True, read_only=True)
    provider_equivalents = ProviderEquivalentSerializer(many=True, read_only=True)
    faqs = FAQSerializer(many=True, read_only=True)
    related_terms = TermLinkSerializer(many=True, read_only=True)
    see_also = TermLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Term
        fields = ["id", "name", "slug", "url", "html_url", "definition", "definition_html"]
        fields += ["summary"]
        fields += ["category", "difficulty", "aliases", "use_cases", "provider_equivalents"]
        fields += ["faqs", "related_terms", "see_also", "status", "created_at", "updated_at"]
        fields += ["changed_at"]

    @staticmethod
    def represent(term, context):
        return {
            "id": term.pk,
            "name": term.name,
            "slug": term.slug,
            "url": api_url(context, term),
            "html_url": absolute_url(context, term.get_absolute_url()),
            "definition": term.definition,
            "definition_html": absolute_links(context, term.definition_html),
            "summary": term.summary,
            "category": {"slug": term.category.slug, "name": term.category.name},
            "difficulty": term.difficulty,
            "aliases": list(term.aliases),
            "use_cases": [
                {
                    "organization": u.organization,
                    "title": u.title,
                    "description": u.description,
                    "outcome": u.outcome,
                }
                for u in term.use_cases.all()
            ],
            "provider_equivalents": [
                {
                    "provider": {
                        "slug": e.provider.slug,
                        "short_name": e.provider.short_name,
                        "name": e.provider.name,
                    },
                    "service": e.service,
                    "note": e.note,
                    "url": e.url,
                }
                for e in term.provider_equivalents.all()
            ],
            "faqs": [
                {
                    "question": f.question,
                    "answer": f.answer,
                    "answer_html": absolute_links(context, f.answer_html),
                }
                for f in term.faqs.all()
            ],
            "related_terms": [_link(t, context) for t in term.related_terms.all()],
            "see_also": [_link(t, context) for t in term.see_also.all()],
            "status": term.status,
            "created_at": iso_datetime(term.created_at),
            "updated_at": iso_datetime(term.updated_at),
            "changed_at": iso_datetime(term.changed_at),
        }


class CategorySerializer(serializers.ModelSerializer):
    url = ApiUrlField()
    html_url = WebUrlField()
    term_count = serializers.IntegerField(read_only=True, help_text="Terms in the category.")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "url", "html_url", "term_count"]


class CategoryDetailSerializer(CategorySerializer):
    terms = TermLinkSerializer(many=True, read_only=True, help_text="Its terms, by name.")

    class Meta(CategorySerializer.Meta):
        fields = [*CategorySerializer.Meta.fields, "terms"]


class ProviderSerializer(serializers.ModelSerializer):
    url = ApiUrlField()
    html_url = WebUrlField()
    term_count = serializers.IntegerField(
        read_only=True, help_text="Terms with at least one service on this provider."
    )

    class Meta:
        model = Provider
        fields = ["slug", "short_name", "name", "website", "url", "html_url", "term_count"]


class ProviderServiceSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="The service's name on this provider.")
    terms = TermLinkSerializer(many=True, help_text="The terms it implements, by name.")


class ProviderDetailSerializer(ProviderSerializer):
    services = serializers.SerializerMethodField(
        help_text="The provider's services, by name, each with the terms it implements."
    )

    class Meta(ProviderSerializer.Meta):
        fields = [*ProviderSerializer.Meta.fields, "services"]

    @extend_schema_field(ProviderServiceSerializer(many=True))
    def get_services(self, provider):
        services = {}
        for equivalent in provider.equivalents.all():
            key = equivalent.service.casefold()
            services.setdefault(key, {"service": equivalent.service, "terms": []})
            services[key]["terms"].append(equivalent.term)
        ordered = sorted(services.values(), key=lambda service: service["service"].casefold())
        return ProviderServiceSerializer(ordered, many=True, context=self.context).data


class EquivalentMatchSerializer(serializers.Serializer):
    term = TermLinkSerializer(help_text="A term the service implements.")
    matched_on = serializers.ChoiceField(
        choices=["service", "former_name", "note"],
        help_text=(
            "What `service` matched on the provider's side: the service's name, one of its "
            "former names, or words in its note."
        ),
    )
    equivalents = ProviderEquivalentSerializer(
        many=True, help_text="The term's services on every other provider."
    )


# Django's slug_re, as the schema states it.
@extend_schema_field({"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"})
class SlugLookupField(serializers.SlugRelatedField):
    """An object by its slug as a client typed it: text that no slug can be is not found,
    without asking the database (PostgreSQL refuses text holding a NUL byte)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not slug_re.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return super().to_internal_value(data)


class EquivalentLookupSerializer(serializers.Serializer):
    """The query of `equivalents/`: which provider, which service."""

    provider = SlugLookupField(
        slug_field="slug",
        queryset=Provider.objects.all(),
        help_text="The provider you are migrating from, by slug (`aws`, `azure`, `gcp`, `oci`).",
    )
    service = serializers.CharField(
        max_length=200,
        help_text=(
            "The service's name on that provider, any case: its current name, a former "
            "name, or words from its note (`EKS`)."
        ),
    )


class EquivalentResultSerializer(serializers.Serializer):
    provider = ProviderSummarySerializer()
    service = serializers.CharField()
    results = EquivalentMatchSerializer(many=True)


# Writes


class ProviderSlugField(serializers.SlugRelatedField):
    """A provider by slug, all providers read once per request rather than once per item."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Provider.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "_providers" not in self.context:
            self.context["_providers"] = {p.slug: p for p in self.get_queryset()}
        try:
            return self.context["_providers"][data]
        except KeyError:
            self.fail("does_not_exist", slug_name="slug", value=data)


class ProviderEquivalentWriteSerializer(WriteSerializer):
    provider = ProviderSlugField(help_text="The provider's slug.")

    class Meta:
        model = ProviderEquivalent
        fields = ["provider", "service", "note", "url"]


class FAQWriteSerializer(WriteSerializer):
    class Meta:
        model = FAQ
        fields = ["question", "answer"]


def _term_slugs(section, help_text):
    # Plain slugs here; `validate` turns them into terms with one query for both lists.
    return serializers.ListField(
        child=StrictSlugField(),
        required=False,
        max_length=textformat.MAX_ITEMS[section],
        help_text=help_text,
    )


def _equivalent_key(equivalent):
    return equivalent["provider"].pk, equivalent["service"].casefold()


def _unique_items(items, key, field):
    """Errors for every item whose `key` repeats an earlier one, as DRF lays out list errors."""
    seen = set()
    errors = []
    for item in items:
        value = key(item)
        errors.append({field: ["Duplicate in this list."]} if value in seen else {})
        seen.add(value)
    return errors if any(errors) else None


class TermWriteSerializer(WriteSerializer):
    """A term with its children: lists given in the payload replace the stored ones."""

    slug = LowercaseSlugField(
        required=False,
        help_text="Left out on create: made from the name. Changing it moves the term's URL.",
    )
    category = SlugLookupField(
        slug_field="slug", queryset=Category.objects.all(), help_text="The category's slug."
    )
    aliases = serializers.ListField(
        child=StrictCharField(max_length=textformat.MAX_ALIAS),
        required=False,
        max_length=textformat.MAX_ITEMS[textformat.ALIASES],
        help_text="Other names and abbreviations.",
    )
    # A list over its cap is refused before any of its items is validated.
    use_cases = UseCaseSerializer(
        many=True, required=False, max_length=textformat.MAX_ITEMS[textformat.USE_CASES]
    )
    provider_equivalents = ProviderEquivalentWriteSerializer(
        many=True, required=False, max_length=textformat.MAX_ITEMS[textformat.EQUIVALENTS]
    )
    faqs = FAQWriteSerializer(
        many=True, required=False, max_length=textformat.MAX_ITEMS[textformat.FAQS]
    )
    related_terms = _term_slugs(
        textformat.RELATED, "Slugs of related terms (the relation goes both ways)."
    )
    see_also = _term_slugs(textformat.SEE_ALSO, "Slugs of terms to read next.")
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Left out on create: published for a Publisher, draft for an Editor. "
        "Publishing, and any change to a published term, needs the publish_term permission.",
    )

    class Meta:
        model = Term
        fields = ["name", "slug", "definition", "category", "difficulty", "aliases", "status"]
        fields += ["use_cases", "provider_equivalents", "faqs", "related_terms", "see_also"]

    def validate_name(self, value):
        # Trashed terms keep their names: restoring one must not clash.
        others = Term.everything.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.filter(deleted_at__isnull=False).exists():
            raise serializers.ValidationError("A term with this name is in the trash.")
        if others.exists():
            raise serializers.ValidationError("A term with this name already exists.")
        return value

    def validate(self, attrs):
        errors = {}
        name = attrs.get("name", getattr(self.instance, "name", ""))
        slug = attrs.get("slug") or getattr(self.instance, "slug", "") or slugify(name)
        if not slug:
            errors["slug"] = ["Give a slug: none can be made from this name."]
        else:
            others = Term.everything.filter(slug=slug)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                errors["slug" if "slug" in attrs else "name"] = [
                    f"The slug “{slug}” is taken by another term."
                ]
            elif (
                owner := redirects.taken_by(slug, getattr(self.instance, "pk", None))
            ) is not None:
                errors["slug" if "slug" in attrs else "name"] = [
                    redirects.taken_message(slug, owner)
                ]
        attrs["slug"] = slug

        checks = [
            ("provider_equivalents", _equivalent_key, "service"),
            ("faqs", lambda faq: faq["question"], "question"),
        ]
        for field, key, subfield in checks:
            if field in attrs and (duplicates := _unique_items(attrs[field], key, subfield)):
                errors[field] = duplicates
        errors.update(self._resolve_links(attrs))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Linked slugs that name no term are reported with the fields' errors, not only
            # once those are fixed (`validate` runs on valid fields alone).
            valid_links = {
                field: data[field]
                for field in self.LINKS
                if isinstance(data, dict) and field in data and field not in exc.detail
            }
            raise serializers.ValidationError(
                {**exc.detail, **self._resolve_links(valid_links)}
            ) from None

    def _resolve_links(self, attrs):
        """Replace the slugs of related_terms and see_also by terms; errors for bad ones."""
        fields = [field for field in ("related_terms", "see_also") if field in attrs]
        wanted = {slug for field in fields for slug in attrs[field]}
        found = {t.slug: t for t in Term.objects.filter(slug__in=wanted).only("id", "slug")}
        errors = {}
        for field in fields:
            for i, slug in enumerate(attrs[field]):
                if slug not in found:
                    message = f"No term has the slug “{slug}”."
                    errors[f"{field}[{i}]"] = [ErrorDetail(message, code="does_not_exist")]
                elif self.instance is not None and found[slug].pk == self.instance.pk:
                    message = "A term cannot point to itself."
                    errors[f"{field}[{i}]"] = [ErrorDetail(message, code="self_link")]
            attrs[field] = [found.get(slug) for slug in attrs[field]]
        return errors

    def create(self, validated_data):
        return self.update(Term(), validated_data)

    def update(self, instance, validated_data):
        lists = {name: validated_data.pop(name, None) for name in self.LISTS}
        links = {name: validated_data.pop(name) for name in self.LINKS if name in validated_data}
        return writing.replace_term(
            instance,
            validated_data,
            use_cases=lists["use_cases"],
            equivalents=lists["provider_equivalents"],
            faqs=lists["faqs"],
            links=links,
        )

    LISTS = ("use_cases", "provider_equivalents", "faqs")
    LINKS = ("related_terms", "see_also")

    def to_representation(self, instance):
        fresh = Term.objects.with_related().get(pk=instance.pk)
        return TermDetailSerializer(fresh, context=self.context).data
