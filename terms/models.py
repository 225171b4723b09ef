"""The glossary's content: terms, their children, categories and providers."""

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class CategoryQuerySet(models.QuerySet):
    def with_term_count(self):
        """Each category with `term_count`, the number of its terms."""
        return self.annotate(term_count=Count("terms"))

    def with_last_change(self):
        """Each category with `last_change`, when one of its terms last changed."""
        return self.annotate(last_change=Max("terms__updated_at"))


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="category_name_ci_unique"),
            models.CheckConstraint(condition=~Q(slug=""), name="category_slug_not_empty"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("terms:category-detail", kwargs={"slug": self.slug})

    KNOWN_NAMES = {"ai-ml": "AI & Machine Learning", "devops": "DevOps"}

    @classmethod
    def name_from_slug(cls, slug):
        """A readable default name for a new category; editors can rename it."""
        if slug in cls.KNOWN_NAMES:
            return cls.KNOWN_NAMES[slug]
        return " ".join(
            word.upper() if len(word) <= 2 else word.capitalize() for word in slug.split("-")
        )


class ProviderQuerySet(models.QuerySet):
    def by_short_name(self):
        """Map every short name, case-folded, to its provider."""
        return {provider.short_name.lower(): provider for provider in self}

    def with_counts(self):
        """Each provider with `term_count`, the terms it has a service for, and
        `service_count`, its services (one name in any case is one service)."""
        return self.annotate(
            term_count=Count("equivalents__term", distinct=True),
            service_count=Count(Lower("equivalents__service"), distinct=True),
        )

    def with_services(self):
        """Providers with their services prefetched as `equivalents`, each with the term it
        implements, by service and then term name."""
        services = (
            ProviderEquivalent.objects.select_related("term")
            .only("provider", "service", "note", "url", "term__name", "term__slug", "term__summary")
            .order_by(Lower("service"), Lower("term__name"), "pk")
        )
        return self.prefetch_related(Prefetch("equivalents", queryset=services))


class Provider(models.Model):
    name = models.CharField(max_length=100, unique=True)
    short_name = models.CharField(
        max_length=30, unique=True, help_text='As written in entries, e.g. "AWS".'
    )
    slug = models.SlugField(max_length=30, unique=True)
    website = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Column order on pages and in exported entries."
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("short_name"), name="provider_short_name_ci_unique"),
        ]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return reverse("terms:provider-detail", kwargs={"slug": self.slug})


class TermQuerySet(models.QuerySet):
    def with_related(self):
        """Load terms with every child and relation in a constant number of queries."""
        linked = Term.objects.links().alphabetical()
        return self.select_related("category").prefetch_related(
            "use_cases",
            Prefetch(
                "provider_equivalents",
                queryset=ProviderEquivalent.objects.select_related("provider"),
            ),
            "faqs",
            Prefetch("related_terms", queryset=linked),
            Prefetch("see_also", queryset=linked),
        )

    def summaries(self):
        """What lists show, on the site and in the API: the category, no children or long texts."""
        return self.select_related("category").only(
            "name", "slug", "summary", "difficulty", "aliases", "created_at", "updated_at",
            "category__name", "category__slug",
        )  # fmt: skip

    def links(self):
        """Just what a link to a term needs: its name, URL and summary (the preview), and
        when it last changed (sitemaps, Last-Modified)."""
        # category: prefetching a category's terms matches them to it by this column.
        return self.only("name", "slug", "summary", "updated_at", "category")

    def alphabetical(self):
        """By name as readers sort: ignoring case, whatever the database's collation."""
        return self.order_by(Lower("name"), "pk")

    def recently_updated(self):
        """The most recently added or changed first."""
        return self.order_by("-updated_at", "-pk")

    def on_provider(self, provider=None, service=None):
        """Terms with a provider service: on `provider` if given, named `service` (any case)
        if given."""
        lookups = {}
        if provider is not None:
            lookups["provider"] = provider
        if service is not None:
            lookups["service__iexact"] = service
        return self.filter(_has_service(**lookups))

    def matching_name_or_service(self, text):
        """Terms whose name, or the name of one of whose services, contains `text` (any case)."""
        return self.filter(Q(name__icontains=text) | _has_service(service__icontains=text))

    def with_problem(self, key):
        """Terms with this content-health problem (a key of terms.health.PROBLEMS)."""
        from terms import health  # health builds on these models

        return health.PROBLEMS[key].filter(self)

    def problem_counts(self):
        """{problem key: how many of these terms have it} (terms.health.PROBLEMS)."""
        from terms import health

        return health.counts(self)

    def starting_with(self, letter):
        """Terms whose name starts with `letter`; "#" stands for any non-letter."""
        if letter == "#":
            return self.exclude(name__regex=r"^[A-Za-z]")
        return self.filter(name__istartswith=letter)


def _has_service(**lookups):
    """True for a term with a provider service matching `lookups`."""
    return Exists(ProviderEquivalent.objects.filter(term=OuterRef("pk"), **lookups))


# Written by terms.versions at the end of each write batch, never by Term.save().
STAMP_FIELDS = ("version", "updated_by_id")


class Term(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    definition = models.TextField(help_text="Markdown. The first sentence is the summary.")
    definition_html = models.TextField(blank=True, editable=False)
    summary = models.TextField(blank=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="terms")
    difficulty = models.CharField(max_length=12, choices=Difficulty)
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names and abbreviations, one per line."
    )
    related_terms = models.ManyToManyField("self", blank=True)
    see_also = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="see_also_of"
    )
    # Terms this definition links to ([[links]] and auto-links): kept by rendering, read as
    # backlinks ("Mentioned in") without scanning every definition on each request.
    mentions = models.ManyToManyField(
        "self", symmetrical=False, blank=True, editable=False, related_name="mentioned_in"
    )
    # Providers with nothing comparable: content health does not count them as missing.
    no_equivalent_on = models.ManyToManyField(
        Provider,
        blank=True,
        related_name="+",
        verbose_name="no equivalent on purpose",
        help_text="Providers that have nothing comparable (say why in an FAQ).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counted up once by every write batch that changes the term or its children
    # (terms.versions): the admin form and the API's ETag carry it to refuse stale writes.
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who made the last change; empty for imports and scripts.",
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="term_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(difficulty__in=Difficulty.values), name="term_difficulty_valid"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="term_slug_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="term_name_not_empty"),
        ]
        indexes = [models.Index(fields=["-updated_at"], name="term_updated_at_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Its HTML and summary are rendered when the save's batch ends (terms.linking).
        if not self.slug:
            self.slug = slugify(self.name)
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The version stamp is written by the batch alone: an instance read before
            # another write must not roll it back.
            deferred = self.get_deferred_fields() | set(STAMP_FIELDS)
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("terms:term-detail", kwargs={"slug": self.slug})


class UseCase(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="use_cases")
    organization = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    description = models.TextField()
    outcome = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organization="") & ~Q(title=""), name="usecase_org_title_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.organization}: {self.title}"


class ProviderEquivalent(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="provider_equivalents")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="equivalents")
    service = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)
    url = models.URLField("docs URL", blank=True)
    former_names = models.JSONField(
        default=list, blank=True, help_text="Earlier names of the service, one per line."
    )
    verified_on = models.DateField(
        null=True, blank=True, help_text="When an editor last checked this mapping."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["provider__position", "provider__name", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                F("term"), F("provider"), Lower("service"), name="equivalent_service_unique"
            ),
            models.CheckConstraint(condition=~Q(service=""), name="equivalent_service_not_empty"),
        ]

    def __str__(self):
        return f"{self.provider}: {self.service}"


class FAQ(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="faqs")
    question = models.TextField()
    answer = models.TextField(help_text="Markdown.")
    answer_html = models.TextField(blank=True, editable=False)  # rendered by terms.linking
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"
        constraints = [
            models.UniqueConstraint(fields=["term", "question"], name="faq_question_unique"),
            models.CheckConstraint(
                condition=~Q(question="") & ~Q(answer=""), name="faq_question_answer_not_empty"
            ),
        ]

    def __str__(self):
        return self.question


class ContentGenerationManager(models.Manager):
    # Raw SQL: a cached search reads the generation and nothing else, and the ORM took
    # longer to build this query than the database to run it (target: warm /search/).
    def current(self):
        """The content's change count, or None when its row is missing (a database flushed
        by a test): then nothing can be cached, as nothing would retire it."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {self.model._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else None

    def bump(self):
        """Count one change, in the caller's transaction; returns the new count."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, value) VALUES (1, 1) ON CONFLICT (id) "
                f"DO UPDATE SET value = {table}.value + 1 RETURNING value"
            )
            return cursor.fetchone()[0]


class ContentGeneration(models.Model):
    """One row counting changes to the content: caches of anything derived from it (search
    results, the link index) are keyed by it, so a change that commits retires them in
    every process at once."""

    value = models.BigIntegerField(default=0)

    objects = ContentGenerationManager()

    def __str__(self):
        return str(self.value)


# The search index's tables: defined with the search code, registered with the app here.
from terms.search.models import (  # noqa: E402
    SearchDocument,
    SearchName,
    SearchTitle,
    SearchWord,
    SearchWordKey,
)

__all__ = [
    "FAQ",
    "Category",
    "ContentGeneration",
    "Difficulty",
    "Provider",
    "ProviderEquivalent",
    "SearchDocument",
    "SearchName",
    "SearchTitle",
    "SearchWord",
    "SearchWordKey",
    "Term",
    "UseCase",
]
