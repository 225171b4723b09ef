"""The one write path for whole terms, used by the importer, the API and the admin.

`replace_term()` writes a term and replaces the children the caller gives. Work that other
terms depend on (rendering links, the search index, the content generation) happens once
per `batch()`, however many terms and children the batch writes.
"""

import gc
import threading
from contextlib import contextmanager
from itertools import batched

from django.db import connection, transaction
from django.utils import timezone

from terms import changes, history, linking, search, versions
from terms.models import FAQ, ProviderEquivalent, Source, Term, UseCase

# Equivalent fields that only editors set in the admin: a write that does not mention them
# keeps what is stored for the same provider and service.
EDITOR_ONLY = ("url", "former_names", "verified_on")


_state = threading.local()


@contextmanager
def batch(by=None, source=Source.SCRIPT):
    """Write many terms as one change: children are inserted, links rendered, search
    reindexed, the changed terms' versions counted up (as changed `by` that user) and
    recorded in their history (as coming from `source`, a terms.models.Source) once, when
    the outermost batch ends, inside its transaction."""
    if getattr(_state, "children", None) is not None:
        yield  # inside a batch: its end does the work
        return
    _state.children = {UseCase: [], ProviderEquivalent: [], FAQ: []}
    _state.written = {}
    _state.touched = set()
    _state.comments = {}
    collecting = gc.isenabled()
    # A batch holds every row it writes until it ends; full collections of that growing heap
    # made 10,000 imported terms cost 13x 1,000 (target: at most 12x). Cycles wait till the end.
    gc.disable()
    try:
        with transaction.atomic():
            with search.indexing_deferred(), linking.deferred():
                yield
                if not connection.needs_rollback:
                    for model, rows in _state.children.items():
                        model.objects.bulk_create(rows, batch_size=1000)
                    now = _stamp(_state.written, _state.touched, by)
                    history.record(_state.touched, by, source, "; ".join(_state.comments))
            if not connection.needs_rollback:  # after linking: its renders change terms too
                changes.record(_created(_state.written), _state.touched | set(_state.written), now)
            linking.settle()
    finally:
        _state.children = _state.written = _state.touched = _state.comments = None
        if collecting:
            gc.enable()


def _stamp(written, touched, by):
    """Count the changed terms' versions up, and give every term the batch wrote one time,
    as one change: `updated_at` (and `created_at` for new terms) is the batch's end, not
    each save's own instant, so the terms of one import sort by name among themselves, and
    the glossary's first load is one moment that "recently updated" can leave out
    (Term.objects.changed_since_first_load()). Returns that time; the change log stamps the
    batch's other changes with it too."""
    now = timezone.now()
    # Every written term is touched too (its save touched it): one UPDATE per chunk for both.
    versions.bump(
        touched | written.keys(), by, written={pk: new for pk, (_, new) in written.items()}, now=now
    )
    for term, is_new in written.values():
        term.updated_at = term.changed_at = now
        if is_new:
            term.created_at = now
    return now


def _created(written):
    return [pk for pk, (_, is_new) in written.items() if is_new]


def touch(*pks):
    """Note terms whose content this batch changes: their versions go up when it ends."""
    with batch():
        _state.touched.update(pk for pk in pks if pk is not None)


def describe(comment):
    """Say in the batch's history record what kind of change it is (a revert, a restore);
    it names the term, as the batch's other terms (a relation's other end) share it."""
    with batch():
        _state.comments[comment] = None


def _add(rows):
    """Children to insert when the batch ends (bulk_create sends no signals)."""
    for row in rows:
        _state.children[type(row)].append(row)


def replace_term(
    term,
    fields,
    *,
    use_cases=None,
    equivalents=None,
    faqs=None,
    links=None,
    no_equivalent_on=None,
):
    """Save `term` with `fields` set, and replace each list of children given (None keeps
    the stored ones): `use_cases` and `faqs` as dicts of their fields, `equivalents` as dicts
    with a Provider under "provider", `links` as {"related_terms": [Term], "see_also": [...]},
    `no_equivalent_on` as Providers or their pks. Lists are stored in the order given."""
    with batch():
        created = term.pk is None
        for name, value in fields.items():
            setattr(term, name, value)
        # Saved even for a change to children only: updated_at tells integrators.
        term.save()
        was_new = _state.written.get(term.pk, (term, False))[1]
        _state.written[term.pk] = (term, created or was_new)
        if use_cases is not None:
            if not created:
                term.use_cases.all().delete()
            _add(UseCase(term=term, position=i, **item) for i, item in enumerate(use_cases))
        if equivalents is not None:
            _replace_equivalents(term, equivalents, created)
        if faqs is not None:
            if not created:
                term.faqs.all().delete()
            _add(FAQ(term=term, position=i, **item) for i, item in enumerate(faqs))
            linking.note_answers(term.pk)
        if links:
            set_links({term.pk: links})
        if no_equivalent_on is not None:
            term.no_equivalent_on.set(no_equivalent_on)
        search.reindex_terms([term.pk])
    return term


def trash_term(term):
    """Move `term` to the trash: readers, search and the API no longer see it, and links
    to it render as plain text; its children and relations stay for a restore."""
    with batch():
        describe(f"Moved “{term.name}” to the trash")
        # Before it leaves Term.objects: the terms linking to it are rendered again.
        linking.note_deleting(term)
        term.deleted_at = timezone.now()
        Term.everything.filter(pk=term.pk).update(deleted_at=term.deleted_at)
        touch(term.pk)
        search.reindex_terms([term.pk])


def restore_term(term):
    """Bring `term` back from the trash as it was, children and relations included."""
    with batch():
        describe(f"Restored “{term.name}” from the trash")
        # Saved while still trashed, its stored link state reads as none (a new term):
        # the terms naming it link to it again when the batch ends.
        term.deleted_at = None
        term.save()


def delete_term(term):
    """Delete `term` for good, its children and relations with it; its history stays."""
    with batch():
        term.delete()


def _replace_equivalents(term, equivalents, created):
    stored = {}
    if not created:
        stored = {(e.provider_id, e.service.casefold()): e for e in term.provider_equivalents.all()}
        term.provider_equivalents.all().delete()
    rows = []
    for i, item in enumerate(equivalents):
        old = stored.get((item["provider"].pk, item["service"].casefold()))
        kept = {name: getattr(old, name) for name in EDITOR_ONLY if old and name not in item}
        rows.append(ProviderEquivalent(term=term, position=i, **kept, **item))
    _add(rows)


def set_links(links):
    """Replace the related terms and see-also links of several terms at once: {term pk:
    {"related_terms": [Term or pk], "see_also": [...]}}; a list left out keeps the stored
    one. Related terms go both ways. Only the rows that change are written, and only the
    terms whose relations change are touched (with the terms given)."""
    related = {
        pk: _pks(lists["related_terms"]) for pk, lists in links.items() if "related_terms" in lists
    }
    see_also = {pk: _pks(lists["see_also"]) for pk, lists in links.items() if "see_also" in lists}
    if related:
        pairs = {(pk, other) for pk, others in related.items() for other in others}
        pairs |= {(other, pk) for pk, other in pairs}
        # Every stored pair with a given term at either end, both ends visible: a relation
        # with a trashed term is not the caller's to see, and is kept for a restore.
        stored = _stored_pairs(Term.related_terms.through, "from_term_id", related)
        stored |= _stored_pairs(Term.related_terms.through, "to_term_id", related)
        _replace_pairs(Term.related_terms.through, stored, pairs)
        touch(*related)
    if see_also:
        pairs = {(pk, other) for pk, others in see_also.items() for other in others}
        stored = _stored_pairs(Term.see_also.through, "from_term_id", see_also)
        # Only the term that lists others under see also changes.
        _replace_pairs(Term.see_also.through, stored, pairs, touch_ends=False)
        touch(*see_also)


def _stored_pairs(through, column, pks):
    """{(from pk, to pk): row pk} of `through`'s rows whose `column` is one of `pks`, both
    terms out of the trash."""
    rows = through.objects.filter(
        **{f"{column}__in": list(pks)},
        from_term__deleted_at__isnull=True,
        to_term__deleted_at__isnull=True,
    )
    return {(a, b): pk for pk, a, b in rows.values_list("pk", "from_term_id", "to_term_id")}


def _replace_pairs(through, stored, pairs, touch_ends=True):
    """Make `stored` ({pair: row pk}) become `pairs`: delete and insert the difference."""
    gone = [stored[pair] for pair in stored.keys() - pairs]
    new = sorted(pairs - stored.keys())
    for chunk in batched(gone, 1000):  # SQLite caps the parameters of one statement
        through.objects.filter(pk__in=chunk).delete()
    through.objects.bulk_create(
        [through(from_term_id=a, to_term_id=b) for a, b in new], batch_size=1000
    )
    if touch_ends:
        # Both ends of a relation show it: both change, those that lose one too.
        touch(*(pk for pair in (*new, *(stored.keys() - pairs)) for pk in pair))


def _pks(terms):
    return {getattr(term, "pk", term) for term in terms}


def revert_term(term, version):
    """Write `term` back as its recorded `version` (terms.history.TermVersion) was, children
    and relations included; the batch records the revert as a change of its own."""
    fields, children = history.revert_arguments(version)
    with batch():
        describe(f"Reverted “{term.name}” to version {version.number}")
        return replace_term(term, fields, **children)
