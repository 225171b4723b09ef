"""A term's history: every write batch records the terms it changed, whole, in
django-reversion's version store; this module reads versions back, compares them and
reverts a term to one.

One Revision per batch holds one Version per changed term: the term's fields and
relations (Django's JSON, relations as ids) with its use cases, equivalents and FAQs
inline (terms.history_format). The batch's user, its source (admin, API, import) and a
comment go on the Revision. Children are bulk-inserted at the batch's end without signals,
so versions are taken there, after them, rather than from each save's signal.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.paginator import Paginator
from django.db import router, transaction
from django.db.models import Prefetch
from django.utils import timezone
from reversion.models import Revision, Version

from terms import diffs
from terms.models import (
    FAQ,
    Category,
    Provider,
    ProviderEquivalent,
    RevisionSource,
    Source,
    Term,
    UseCase,
)

FORMAT = "term_json"
# Derived from the other fields (rendering, the link index) or stamped by every write.
NOT_RECORDED = (
    "definition_html",
    "summary",
    "mentions",
    "created_at",
    "updated_at",
    "changed_at",
)


def recorded_fields():
    """The term's fields a version holds, as django-reversion's register() lists them."""
    opts = Term._meta
    fields = (*opts.local_fields, *opts.local_many_to_many)
    return [field.name for field in fields if field.name not in NOT_RECORDED]


def register():
    """Make terms versionable (TermsConfig.ready())."""
    if not reversion.is_registered(Term):
        reversion.register(Term, format=FORMAT, fields=recorded_fields())


def record(pks, by=None, source=Source.SCRIPT, comment=""):
    """Record the current state of terms `pks` as one change, inside the caller's
    transaction; terms deleted meanwhile are left out."""
    if not pks:
        return
    ids = Term.everything.only("pk")
    terms = Term.everything.filter(pk__in=pks).prefetch_related(
        # The children as the term's pages order them; relations with trashed terms too.
        Prefetch("use_cases", queryset=UseCase.objects.order_by("position", "pk")),
        Prefetch(
            "provider_equivalents",
            queryset=ProviderEquivalent.objects.order_by(
                "provider__position", "provider__name", "position", "pk"
            ),
        ),
        Prefetch("faqs", queryset=FAQ.objects.order_by("position", "pk")),
        Prefetch("related_terms", queryset=ids),
        Prefetch("see_also", queryset=ids),
        Prefetch("no_equivalent_on", queryset=Provider.objects.only("pk")),
    )
    # The rows django-reversion's create_revision() writes, written here: its
    # add_to_revision() copies the revision's map of versions for each object it adds
    # (quadratic in a batch's size) and starts a serializer per object, and a batch records
    # thousands of terms (target: an import of 10,000 entries in <= 12x the time of 1,000).
    db = router.db_for_write(Term)
    content_type = ContentType.objects.db_manager(db).get_for_model(Term)
    serializer = serializers.get_serializer(FORMAT)()
    fields = recorded_fields()
    versions = [
        Version(
            content_type=content_type,
            object_id=str(term.pk),
            db=db,
            format=FORMAT,
            serialized_data=serializer.serialize([term], fields=fields),
            object_repr=str(term),
        )
        for term in terms.iterator(chunk_size=1000)
    ]
    if not versions:
        return
    revision = Revision.objects.create(
        date_created=timezone.now(),
        user=by if getattr(by, "pk", None) else None,
        comment=comment,
    )
    RevisionSource.objects.create(revision=revision, source=source)
    for version in versions:
        version.revision = revision
    Version.objects.bulk_create(versions, batch_size=1000)


def record_baseline(chunk=1000):
    """Record terms that have no version yet, a revision per `chunk` terms; returns how many."""
    recorded = {
        int(pk) for pk in Version.objects.get_for_model(Term).values_list("object_id", flat=True)
    }
    missing = sorted(set(Term.everything.values_list("pk", flat=True)) - recorded)
    for start in range(0, len(missing), chunk):
        with transaction.atomic():
            record(missing[start : start + chunk], comment="First recorded version")
    return len(missing)


@dataclass
class TermVersion:
    """One recorded version of a term, as the history page lists it."""

    id: int  # the Version's: what the compare and revert URLs name
    number: int  # the term's version stamp after this change (terms.versions)
    when: datetime
    who: str  # a username, or "" for imports and scripts
    source: str
    comment: str
    fields: dict
    children: dict

    @property
    def trashed(self):
        return self.fields.get("deleted_at") is not None


def _version(row):
    data = json.loads(row.serialized_data)[0]
    revision = row.revision
    source = getattr(revision, "source", None)
    return TermVersion(
        id=row.pk,
        number=data["fields"].get("version", 0),
        when=revision.date_created,
        who=revision.user.get_username() if revision.user else "",
        source=source.get_source_display() if source else Source.SCRIPT.label,
        comment=revision.comment,
        fields=data["fields"],
        children=data["children"],
    )


def _rows(pk):
    return (
        Version.objects.get_for_object_reference(Term, pk)
        .select_related("revision__user", "revision__source")
        .order_by("-revision__date_created", "-pk")
    )


def versions_of(pk):
    """Every recorded version of term `pk`, newest first."""
    return [_version(row) for row in _rows(pk)]


# Versions per history page: what one page's diffs cost stays the same however long the
# history grows.
PER_PAGE = 50


def history_page(pk, number, per_page=None):
    """(a Paginator Page of term `pk`'s versions newest first, [(TermVersion, labels of what
    it changed)] for that page). `number` past the end gives the last page."""
    per_page = per_page or PER_PAGE
    page = Paginator(_rows(pk), per_page).get_page(number)
    offset = page.start_index() - 1 if page.paginator.count else 0
    # One version more than the page: the one before its oldest, to say what that changed.
    found = [_version(row) for row in _rows(pk)[offset : offset + per_page + 1]]
    changed = summaries(found)
    shown = found[:per_page]
    return page, [(v, changed[v.id]) for v in shown]


def version_of(pk, version_id):
    """The version `version_id` of term `pk`, or None when it is not one of that term's."""
    row = (
        Version.objects.get_for_object_reference(Term, pk)
        .select_related("revision__user", "revision__source")
        .filter(pk=version_id)
        .first()
    )
    return _version(row) if row else None


def changes_since(pk, number):
    """FieldChanges from term `pk`'s recorded version `number` (its version stamp) to its
    latest, or None when no version with that number was recorded."""
    found = versions_of(pk)
    old = next((v for v in found if v.number == number), None)
    if old is None or not found:
        return None
    return compare(old, found[0])


class Names:
    """Names of the terms, categories and providers some versions refer to by id."""

    def __init__(self, versions):
        terms, categories, providers = set(), set(), set()
        for v in versions:
            terms.update(v.fields.get("related_terms", []), v.fields.get("see_also", []))
            categories.add(v.fields.get("category"))
            providers.update(v.fields.get("no_equivalent_on", []))
            providers.update(e["provider_id"] for e in v.children["equivalents"])
        self.terms = dict(Term.everything.filter(pk__in=terms).values_list("pk", "name"))
        self.categories = dict(Category.objects.filter(pk__in=categories).values_list("pk", "name"))
        self.providers = Provider.objects.in_bulk(providers)

    def term(self, pk):
        return self.terms.get(pk, f"(deleted term #{pk})")

    def provider(self, pk):
        found = self.providers.get(pk)
        return found.short_name if found else f"(provider #{pk})"


def snapshot(version, names):
    """The version as terms.diffs compares versions."""
    f, children = version.fields, version.children
    return diffs.snapshot(
        name=f["name"],
        slug=f["slug"],
        aliases=f.get("aliases") or [],
        category=names.categories.get(f.get("category"), ""),
        difficulty=f["difficulty"],
        definition=f["definition"],
        related_terms=[names.term(pk) for pk in f.get("related_terms", [])],
        see_also=[names.term(pk) for pk in f.get("see_also", [])],
        no_equivalent_on=[names.provider(pk) for pk in f.get("no_equivalent_on", [])],
        use_cases=children["use_cases"],
        equivalents=[
            {**e, "provider": names.provider(e["provider_id"])} for e in children["equivalents"]
        ],
        faqs=children["faqs"],
    )


def summaries(versions):
    """{version id: labels of what it changed from the version before it} for versions
    listed newest first; the oldest recorded has none to compare with."""
    names = Names(versions)
    snapshots = [snapshot(v, names) for v in versions]
    labels = {}
    for i, version in enumerate(versions):
        if i + 1 < len(versions):
            labels[version.id] = [c.label for c in diffs.compare(snapshots[i + 1], snapshots[i])]
        else:
            labels[version.id] = None
    return labels


def compare(old, new):
    """terms.diffs FieldChanges from version `old` to version `new`."""
    names = Names([old, new])
    return diffs.compare(snapshot(old, names), snapshot(new, names))


def revert_arguments(version):
    """terms.writing.replace_term's arguments (after the term) that restore `version`.
    Relations with terms since deleted, or now in the trash (whose stored relations a
    write keeps anyway), are left out."""
    f, children = version.fields, version.children
    providers = Provider.objects.in_bulk(
        {e["provider_id"] for e in children["equivalents"]} | set(f.get("no_equivalent_on", []))
    )
    live = set(
        Term.objects.filter(
            pk__in=[*f.get("related_terms", []), *f.get("see_also", [])]
        ).values_list("pk", flat=True)
    )
    fields = {
        "name": f["name"],
        "slug": f["slug"],
        "definition": f["definition"],
        "category_id": f["category"],
        "difficulty": f["difficulty"],
        "aliases": list(f.get("aliases") or []),
    }
    equivalents = [
        {
            "provider": providers[e["provider_id"]],
            "service": e["service"],
            "note": e["note"],
            "url": e["url"],
            "former_names": list(e["former_names"] or []),
            "verified_on": date.fromisoformat(e["verified_on"]) if e["verified_on"] else None,
        }
        for e in children["equivalents"]
        if e["provider_id"] in providers
    ]
    return fields, {
        "use_cases": [dict(u) for u in children["use_cases"]],
        "equivalents": equivalents,
        "faqs": [dict(q) for q in children["faqs"]],
        "links": {
            "related_terms": [pk for pk in f.get("related_terms", []) if pk in live],
            "see_also": [pk for pk in f.get("see_also", []) if pk in live],
        },
        "no_equivalent_on": [pk for pk in f.get("no_equivalent_on", []) if pk in providers],
    }
