"""The one write path for whole terms, used by the importer, the API and the admin.

`replace_term()` writes a term and replaces the children the caller gives. Work that other
terms depend on (rendering links, the search index, the content generation) happens once
per `batch()`, however many terms and children the batch writes.
"""

from contextlib import contextmanager

from django.db import transaction

from terms import linking, search
from terms.models import FAQ, ProviderEquivalent, UseCase

# Equivalent fields that only editors set in the admin: a write that does not mention them
# keeps what is stored for the same provider and service.
EDITOR_ONLY = ("url", "former_names", "verified_on")


@contextmanager
def batch():
    """Write many terms as one change: links are rendered and search reindexed once, when
    the outermost batch ends, inside its transaction."""
    with transaction.atomic():
        with search.indexing_deferred(), linking.deferred():
            yield
        linking.settle()


def replace_term(term, fields, *, use_cases=None, equivalents=None, faqs=None, links=None):
    """Save `term` with `fields` set, and replace each list of children given (None keeps
    the stored ones): `use_cases` and `faqs` as dicts of their fields, `equivalents` as dicts
    with a Provider under "provider", `links` as {"related_terms": [Term], "see_also": [...]}.
    Lists are stored in the order given."""
    with batch():
        for name, value in fields.items():
            setattr(term, name, value)
        # Saved even for a change to children only: updated_at tells integrators.
        term.save()
        if use_cases is not None:
            term.use_cases.all().delete()
            UseCase.objects.bulk_create(
                UseCase(term=term, position=i, **item) for i, item in enumerate(use_cases)
            )
        if equivalents is not None:
            _replace_equivalents(term, equivalents)
        if faqs is not None:
            term.faqs.all().delete()
            FAQ.objects.bulk_create(
                FAQ(term=term, position=i, **item) for i, item in enumerate(faqs)
            )
            linking.note_answers(term.pk)
        if links:
            set_links(term, **links)
        # Children are bulk-created, which sends no signals.
        search.reindex_terms([term.pk])
    return term


def _replace_equivalents(term, equivalents):
    stored = {(e.provider_id, e.service.casefold()): e for e in term.provider_equivalents.all()}
    term.provider_equivalents.all().delete()
    rows = []
    for i, item in enumerate(equivalents):
        old = stored.get((item["provider"].pk, item["service"].casefold()))
        kept = {name: getattr(old, name) for name in EDITOR_ONLY if old and name not in item}
        rows.append(ProviderEquivalent(term=term, position=i, **kept, **item))
    ProviderEquivalent.objects.bulk_create(rows)


def set_links(term, related_terms=None, see_also=None):
    """Replace a term's related terms and see-also links (None keeps them)."""
    if related_terms is not None:
        term.related_terms.set(related_terms)
    if see_also is not None:
        term.see_also.set(see_also)
