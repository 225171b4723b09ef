"""How the glossary is read: the choices reads filter on, "published" as one condition, and
every QuerySet the pages, the API, the feed and the sitemaps start from (terms.models
attaches them to the models)."""

import json

from django.apps import apps
from django.db import models
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
from django.utils import timezone
from django.utils.text import slugify


def _model(name):
    """A model of this app, looked up when a query runs (terms.models imports this module)."""
    return apps.get_model("terms", name)


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
            _model("ProviderEquivalent")
            .objects.filter(published_q("term__"))
            .select_related("term")
            .only("provider", "service", "note", "url", "term__name", "term__slug", "term__summary")
            .order_by(Lower("service"), Lower("term__name"), "pk")
        )
        return self.prefetch_related(Prefetch("equivalents", queryset=services))


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

    def with_related(self, public_links=False):
        """Load terms with every child and relation in a constant number of queries; with
        `public_links`, only the related terms readers see (as the term page lists them)."""
        linked = _model("Term").objects.links().alphabetical()
        if public_links:
            linked = linked.published()
        return self.select_related("category").prefetch_related(
            "use_cases",
            Prefetch(
                "provider_equivalents",
                queryset=_model("ProviderEquivalent").objects.select_related("provider"),
            ),
            "faqs",
            Prefetch("related_terms", queryset=linked),
            Prefetch("see_also", queryset=linked),
        )

    def summaries(self):
        """What lists show, on the site and in the API: the category, no children or long texts."""
        return self.select_related("category").only(
            "name", "slug", "summary", "difficulty", "aliases", "created_at", "updated_at",
            "changed_at", "category__name", "category__slug",
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
        first_load = _model("Term").objects.order_by("created_at").values("created_at")[:1]
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
        equivalents = _model("ProviderEquivalent").objects.select_related("provider")
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
    return Exists(
        _model("ProviderEquivalent").objects.filter(*conditions, term=OuterRef("pk"), **lookups)
    )


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
