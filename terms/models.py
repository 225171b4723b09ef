"""The glossary's content: terms, their children, categories and providers."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lower, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

# Counting through a relation joins terms past their manager: trashed ones are left out here.


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


def published_q(prefix=""):
    """The condition "readers see this term", for a term reached through `prefix`
    ("terms__", say): out of the trash, and published or scheduled for a time already past
    (the term counts as published before `publish_scheduled` has run)."""
    due = Q(**{f"{prefix}status": Status.PUBLISHED}) | Q(
        **{f"{prefix}publish_at__lte": timezone.now()}
    )
    return due & Q(**{f"{prefix}deleted_at__isnull": True})  # and not in the trash


class CategoryQuerySet(models.QuerySet):
    def with_term_count(self):
        """Each category with `term_count`, the number of its published terms."""
        return self.annotate(term_count=Count("terms", filter=published_q("terms__")))

    def with_last_change(self):
        """Each category with `last_change`, when one of its published terms last changed."""
        return self.annotate(last_change=Max("terms__updated_at", filter=published_q("terms__")))


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
        public = published_q("equivalents__term__")
        return self.annotate(
            term_count=Count("equivalents__term", distinct=True, filter=public),
            service_count=Count(Lower("equivalents__service"), distinct=True, filter=public),
        )

    def with_services(self):
        """Providers with their services prefetched as `equivalents`, each with the term it
        implements, by service and then term name."""
        services = (
            ProviderEquivalent.objects.filter(published_q("term__"))
            .select_related("term")
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
    def published(self):
        """The terms readers see: every public page, feed, search and anonymous API read
        starts here."""
        return self.filter(published_q())

    def unpublished(self):
        """Drafts and terms in review, scheduled ones not yet due included."""
        return self.exclude(published_q())

    def due(self):
        """Terms scheduled for a time already past that are not yet marked published."""
        return self.filter(publish_at__lte=timezone.now()).exclude(status=Status.PUBLISHED)

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
        return self.only(
            "name", "slug", "summary", "updated_at", "category", "status", "publish_at"
        )

    def alphabetical(self):
        """By name as readers sort: ignoring case, whatever the database's collation."""
        return self.order_by(Lower("name"), "pk")

    def by_category(self):
        """By category name, then term name, each ignoring case; the category loaded."""
        return self.select_related("category").order_by(
            Lower("category__name"), Lower("name"), "pk"
        )

    def recently_updated(self):
        """The most recently added or changed first; the terms of one write (an import
        stamps its terms with one time) by name."""
        return self.order_by("-updated_at", Lower("name"), "pk")

    def changed_since_first_load(self):
        """Terms added or changed after the glossary was first filled: leaves out those still
        as the first write (a sample import, say) left them, which say nothing about edits."""
        # A batch stamps its terms with one time (terms.writing), so the first load is the
        # earliest created_at, and every later change is after it: two index range reads.
        first_load = Term.objects.order_by("created_at").values("created_at")[:1]
        return self.filter(updated_at__gt=Subquery(first_load))

    def start_here(self, per_category=3):
        """Beginner terms to read first, up to `per_category` from each category: those most
        other terms mention (the foundations the rest build on), then by name."""
        ranked = (
            self.filter(difficulty=Difficulty.BEGINNER)
            .annotate(mentioned=Count("mentioned_in", filter=published_q("mentioned_in__")))
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("category"),
                    order_by=[F("mentioned").desc(), Lower("name")],
                )
            )
        )
        return ranked.filter(rank__lte=per_category).order_by(Lower("category__name"), "rank")

    def on_provider(self, provider=None, service=None, service_slug=None):
        """Terms with a provider service: on `provider` if given, named `service` (any case)
        if given, or whose name slugifies to `service_slug` if given."""
        lookups = {}
        if provider is not None:
            lookups["provider"] = provider
        if service is not None:
            lookups["service__iexact"] = service
        if service_slug is not None:
            lookups["service_slug"] = service_slug
        return self.filter(_has_service(**lookups))

    def with_equivalents(self):
        """Terms with their services prefetched as `provider_equivalents`, provider loaded."""
        equivalents = ProviderEquivalent.objects.select_related("provider")
        return self.prefetch_related(Prefetch("provider_equivalents", queryset=equivalents))

    def matching_name_or_service(self, text):
        """Terms whose name or an alias, or one of whose services (its name, its note or a
        former name), contains `text` (any case)."""
        return self.filter(
            Q(name__icontains=text)
            | Q(aliases__icontains=text)
            | _has_service(
                Q(service__icontains=text)
                | Q(note__icontains=text)
                | Q(former_names__icontains=text)
            )
        )

    def best_match_first(self, text):
        """Ordered by how well `text` names the term or one of its services, by name within
        each rank: 0, a service of that exact name whose note is empty or one word (its
        abbreviation: the term is its home, not one use of it); 1, an exact name of the
        service, a former name, the term or an alias, or the first word of a note ("OKE;
        formerly ..."); 2, a name containing it, or a note or alias holding it as a word;
        3, the rest."""
        home = Q(service__iexact=text) & ~Q(note__contains=" ")
        word = _word_regex(text)
        rank = Case(
            When(_has_service(home), then=Value(0)),
            When(
                _has_service(
                    Q(service__iexact=text)
                    | Q(note__iregex=_word_regex(text, first=True))
                    | _list_holds("former_names", text)
                )
                | Q(name__iexact=text)
                | _list_holds("aliases", text),
                then=Value(1),
            ),
            When(
                Q(name__icontains=text)
                | Q(aliases__iregex=word)
                | _has_service(Q(service__icontains=text) | Q(note__iregex=word)),
                then=Value(2),
            ),
            default=Value(3),
        )
        return self.alias(match_rank=rank).order_by("match_rank", Lower("name"), "pk")

    def on_provider_matching(self, provider, text):
        """Terms with a service on `provider` named `text` (any case), formerly named it, or
        whose note mentions it; annotated `matched_on` ("service", "former_name", "note"),
        in that order, then by name."""
        matched_on = Case(
            When(_has_service(provider=provider, service__iexact=text), then=Value("service")),
            When(
                _has_service(_list_holds("former_names", text), provider=provider),
                then=Value("former_name"),
            ),
            default=Value("note"),
        )
        rank = Case(
            When(matched_on="service", then=Value(0)),
            When(matched_on="former_name", then=Value(1)),
            default=Value(2),
        )
        found = _has_service(
            Q(service__iexact=text) | _list_holds("former_names", text) | Q(note__icontains=text),
            provider=provider,
        )
        return (
            self.filter(found)
            .annotate(matched_on=matched_on)
            .alias(match_rank=rank)
            .order_by("match_rank", Lower("name"), "pk")
        )

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


def _has_service(*conditions, **lookups):
    """True for a term with a provider service matching `conditions` and `lookups`."""
    return Exists(ProviderEquivalent.objects.filter(*conditions, term=OuterRef("pk"), **lookups))


def _word_regex(text, first=False):
    """A regular expression for `text` as a whole word (the first, if `first`), the same
    on SQLite (Python's re) and PostgreSQL: ASCII letters and digits delimit words; every
    other ASCII character is escaped by a backslash, which both read as that character
    itself (neither has a metacharacter outside ASCII)."""
    escaped = "".join("\\" + c if c.isascii() and not c.isalnum() else c for c in text)
    before = "^" if first else "(^|[^a-zA-Z0-9])"
    return f"{before}{escaped}([^a-zA-Z0-9]|$)"


def _list_holds(field, text):
    """True where the JSON list of strings `field` holds `text` as a whole item, any case.
    Matched in the list's JSON text, quotes included: the one test both databases run
    alike on a JSON list (SQLite has no containment lookup). SQLite keeps the text as
    Python wrote it, non-ASCII escaped; PostgreSQL prints it unescaped: both spellings."""
    lookup = f"{field}__icontains"
    return Q(**{lookup: json.dumps(text)}) | Q(**{lookup: json.dumps(text, ensure_ascii=False)})


# Written by terms.versions at the end of each write batch, never by Term.save().
STAMP_FIELDS = ("version", "updated_by_id")


class TermManager(models.Manager):
    """Terms outside the trash: what readers, search and the API see."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


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
    # Changed only by the workflow (terms.publishing), which checks the user may.
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        editable=False,
        help_text="Scheduled: readers see the term from this time on.",
    )

    # Set when the term is moved to the trash (terms.writing.trash_term): it keeps its
    # children and relations, and `objects` no longer returns it.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TermManager.from_queryset(TermQuerySet)()
    # Trashed terms too: the trash, history and the write path's own bookkeeping.
    everything = TermQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="term_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(difficulty__in=Difficulty.values), name="term_difficulty_valid"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="term_slug_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="term_name_not_empty"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="term_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="term_published_has_date",
            ),
        ]
        permissions = [
            ("publish_term", "Can publish, unpublish and schedule terms"),
            ("view_unpublished_term", "Can see drafts and terms in review"),
        ]
        indexes = [
            models.Index(fields=["-updated_at"], name="term_updated_at_idx"),
            models.Index(fields=["created_at"], name="term_created_at_idx"),
            models.Index(fields=["-deleted_at"], name="term_trash_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Its HTML and summary are rendered when the save's batch ends (terms.linking).
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
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

    def validate_unique(self, exclude=None):
        """Also refuse the name or slug of a term in the trash, which `objects` (and so
        Django's own unique checks) leave out, with a message saying where it is."""
        super().validate_unique(exclude)
        trashed = Term.everything.filter(deleted_at__isnull=False).exclude(pk=self.pk)
        errors = {}
        if "name" not in (exclude or ()) and trashed.filter(name__iexact=self.name).exists():
            errors["name"] = f"A term named {self.name!r} is in the trash: restore it instead."
        if self.slug and "slug" not in (exclude or ()) and trashed.filter(slug=self.slug).exists():
            errors["slug"] = f"A term in the trash has the slug {self.slug!r}: restore it instead."
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self):
        """Whether readers see it (TermQuerySet.published(), for one loaded term)."""
        due = self.publish_at is not None and self.publish_at <= timezone.now()
        return self.status == Status.PUBLISHED or due


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


class ServiceSlugField(models.SlugField):
    """The slug of the row's `service`, set on every save, bulk_create's too (both call
    pre_save), so no writer can leave it stale."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # Unicode kept, as service names need not be English; "-" for a name of symbols only.
        value = slugify(model_instance.service, allow_unicode=True) or "-"
        setattr(model_instance, self.attname, value)
        return value


class ProviderEquivalentQuerySet(models.QuerySet):
    def live(self):
        """Those of terms outside the trash."""
        return self.filter(term__deleted_at__isnull=True)

    def services(self):
        """One row per service a provider offers: `provider__slug`, `service_slug`, and
        `last_change`, when a term it implements last changed; by provider and slug."""
        return (
            self.filter(published_q("term__"))
            .order_by()
            .values("provider__slug", "service_slug")
            .annotate(last_change=Max("term__updated_at"))
            .order_by("provider__slug", "service_slug")
        )

    def former_service(self, provider, slug):
        """The service on `provider` that one of whose former names slugifies to `slug`,
        or None."""
        for equivalent in self.live().filter(provider=provider).exclude(former_names=[]):
            former = equivalent.former_names or ()
            if any(slugify(name, allow_unicode=True) == slug for name in former):
                return equivalent
        return None


class ProviderEquivalent(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="provider_equivalents")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="equivalents")
    service = models.CharField(max_length=200)
    # /compare/<provider>/<service_slug>/: one page per service, whichever terms it serves.
    service_slug = ServiceSlugField(max_length=200, allow_unicode=True)
    note = models.CharField(max_length=200, blank=True)
    url = models.URLField("docs URL", blank=True)
    former_names = models.JSONField(
        default=list, blank=True, help_text="Earlier names of the service, one per line."
    )
    verified_on = models.DateField(
        null=True, blank=True, help_text="When an editor last checked this mapping."
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ProviderEquivalentQuerySet.as_manager()

    class Meta:
        ordering = ["provider__position", "provider__name", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                F("term"), F("provider"), Lower("service"), name="equivalent_service_unique"
            ),
            models.CheckConstraint(condition=~Q(service=""), name="equivalent_service_not_empty"),
        ]
        indexes = [
            models.Index(fields=["provider", "service_slug"], name="equivalent_service_slug_idx")
        ]

    def __str__(self):
        return f"{self.provider}: {self.service}"

    def get_absolute_url(self):
        """Its page on what the service is called on the other clouds."""
        return reverse(
            "terms:compare-service",
            kwargs={"provider": self.provider.slug, "service": self.service_slug},
        )


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
        by a test): then nothing can be cached, as nothing would retire it.

        Read where the request reads the content (a replica for anonymous readers): a
        generation newer than the content it keys would cache a lagging copy for good."""
        with connections[router.db_for_read(self.model)].cursor() as cursor:
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


class Source(models.TextChoices):
    """Where a change came from."""

    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Import"
    SCRIPT = "script", "Script"


class RevisionSource(models.Model):
    """Where a change recorded in history came from: meta data of a django-reversion
    Revision (terms.history)."""

    Source = Source
    revision = models.OneToOneField(
        "reversion.Revision", on_delete=models.CASCADE, related_name="source"
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.SCRIPT)

    class Meta:
        ordering = ["-revision"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="revisionsource_source_valid"
            ),
        ]

    def __str__(self):
        return f"{self.revision_id}: {self.get_source_display()}"


# The next version of a published term, and the search index's tables: each defined with
# the code that uses it, registered with the app here.
from terms.drafts import TermDraft  # noqa: E402
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
    "RevisionSource",
    "Status",
    "SearchDocument",
    "SearchName",
    "SearchTitle",
    "SearchWord",
    "SearchWordKey",
    "Term",
    "TermDraft",
    "UseCase",
]
