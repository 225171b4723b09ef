"""The glossary's content: terms, their children, categories and providers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router
from django.db.models import (
    F,
    Q,
)
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from terms.querysets import (
    CategoryQuerySet,
    Difficulty,
    ProviderEquivalentQuerySet,
    ProviderQuerySet,
    Status,
    TermQuerySet,
    published_q,
)

# Counting through a relation joins terms past their manager: trashed ones are left out here.


def validate_lowercase_slug(value):
    """Slugs are lowercase: two URLs differing only in case must not name two things."""
    if value != value.lower():
        raise ValidationError(
            "Slugs are lowercase: “%(lower)s”, not “%(value)s”.",
            code="slug_not_lowercase",
            params={"lower": value.lower(), "value": value},
        )


def slug_constraints(model_name):
    """Slugs unique ignoring case: with `validate_lowercase_slug` on every write path, a slug
    written in another case (a script, the shell) still cannot name a second object."""
    return [models.UniqueConstraint(Lower("slug"), name=f"{model_name}_slug_ci_unique")]


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True, validators=[validate_lowercase_slug])
    description = models.TextField(blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="category_name_ci_unique"),
            models.CheckConstraint(condition=~Q(slug=""), name="category_slug_not_empty"),
            *slug_constraints("category"),
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


class Provider(models.Model):
    name = models.CharField(max_length=100, unique=True)
    short_name = models.CharField(
        max_length=30, unique=True, help_text='As written in entries, e.g. "AWS".'
    )
    slug = models.SlugField(max_length=30, unique=True, validators=[validate_lowercase_slug])
    website = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Column order on pages and in exported entries."
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("short_name"), name="provider_short_name_ci_unique"),
            *slug_constraints("provider"),
        ]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return reverse("terms:provider-detail", kwargs={"slug": self.slug})


# Written at the end of each write batch (terms.versions, terms.changes), never by Term.save().
STAMP_FIELDS = ("version", "updated_by_id", "changed_at")


class TermManager(models.Manager):
    """Terms outside the trash: what readers, search and the API see."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Term(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, blank=True, validators=[validate_lowercase_slug]
    )
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
    # Moves whenever the term's API representation changes, through its own write or
    # another's (a relation, a linked term renamed, its category renamed): what sync
    # clients, `updated_since` and Last-Modified go by (terms.changes.record()).
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
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
            *slug_constraints("term"),
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
            models.Index(fields=["-changed_at"], name="term_changed_at_idx"),
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

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        term = super().from_db(db, field_names, values, **kwargs)
        term.loaded()
        return term

    def loaded(self):
        """What a term read from the database notes (terms.compiled calls this too): the
        slug as stored, as a save that changes it leaves a redirect (terms.redirects)."""
        self.stored_slug = self.__dict__.get("slug")

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
        elif self.slug and "slug" not in (exclude or ()):
            from terms import redirects

            if (name := redirects.taken_by(self.slug, self.pk)) is not None:
                errors["slug"] = redirects.taken_message(self.slug, name)
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
        database = connections[router.db_for_read(self.model)]
        sql = f"SELECT value FROM {self.model._meta.db_table} WHERE id = 1"
        if hasattr(database, "prepared_value"):  # PostgreSQL: glossary/postgresql/base.py
            value = database.prepared_value("glossary_content_generation", sql)
            return None if value is None else int(value)
        with database.cursor() as cursor:
            cursor.execute(sql)
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


# The change log, the next version of a published term, old slugs, the search index's and
# webhooks' tables: each defined with the code that uses it, registered with the app here.
from terms.changes import Change  # noqa: E402
from terms.drafts import TermDraft  # noqa: E402
from terms.redirects import SlugRedirect  # noqa: E402
from terms.search.models import (  # noqa: E402
    SearchDocument,
    SearchName,
    SearchTitle,
    SearchWord,
    SearchWordKey,
)
from terms.webhook_models import (  # noqa: E402
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WorkerHeartbeat,
)

__all__ = [
    "FAQ",
    "Category",
    "Change",
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
    "SlugRedirect",
    "Term",
    "TermDraft",
    "UseCase",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkerHeartbeat",
    "published_q",
]
