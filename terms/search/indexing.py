"""Keeping the search index in step with the terms.

Every term is flattened into a SearchDocument (names and aliases, services, definition, use
cases + FAQs + category, and what the facets count); its names and aliases into SearchName
keys; the words of its names and services into the SearchWord vocabulary with their typo
keys. Each write counts one content generation, which retires cached results.
"""

import re
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import batched

from django.db import connection, transaction

from terms.models import ContentGeneration, ProviderEquivalent, Term, published_q
from terms.search.backends import get_backend
from terms.search.query import name_key, tokens

BATCH = 2_000  # terms reindexed per statement
_state = threading.local()


@contextmanager
def indexing_deferred():
    """Collect reindex requests and run them once, when the outermost block exits."""
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        _state.pending = set()
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth
    if depth == 0:
        pending, _state.pending = _state.pending, set()
        if not (connection.in_atomic_block and connection.needs_rollback):
            reindex_terms(pending)


def reindex_terms(term_ids):
    """Bring the index up to date for these terms (ids of deleted terms are dropped from
    it), in the caller's transaction."""
    ids = sorted({int(pk) for pk in term_ids if pk is not None})
    if not ids:
        return
    if getattr(_state, "depth", 0):
        _state.pending.update(ids)
        return
    backend = get_backend()
    with transaction.atomic():
        for chunk in batched(ids, BATCH):
            backend.replace(list(chunk), *IndexNames.read(chunk).rows())
        ContentGeneration.objects.bump()


def rebuild_index():
    """Rebuild the whole index from the terms; returns the number of terms indexed."""
    backend = get_backend()
    # Its statements take longer than a request's are allowed to (PostgreSQL only).
    unbounded = getattr(connection, "unbounded", nullcontext)
    with unbounded(), transaction.atomic():
        indexed = backend.rebuild(IndexNames.read)
        ContentGeneration.objects.bump()
        transaction.on_commit(backend.after_rebuild_commit)
    return indexed


@dataclass
class IndexNames:
    """The names and aliases of some terms, and their service names, as read from the
    database; rows() works out their index rows without it."""

    terms: list  # (pk, name, aliases)
    services: list  # service names

    @classmethod
    def read(cls, ids=None):
        """Those of these terms (None: every term)."""
        # Unordered: the services' default order joins their providers, for nothing here.
        # Published terms only: the index must not give away a draft's names or words.
        terms = Term.objects.published().order_by()
        services = ProviderEquivalent.objects.filter(published_q("term__")).order_by()
        if ids is not None:
            terms, services = terms.filter(pk__in=ids), services.filter(term_id__in=ids)
        return cls(
            list(terms.values_list("pk", "name", "aliases")),
            list(services.values_list("service", flat=True)),
        )

    def rows(self):
        """(SearchName rows (term_id, key), the vocabulary words) of these terms."""
        names, words = [], set()
        for pk, name, aliases in self.terms:
            aliases = [a for a in (aliases or []) if isinstance(a, str) and a.strip()]
            keys = dict.fromkeys(
                name_key(variant)[:300] for variant in name_variants(name, aliases)
            )
            names += [(pk, key) for key in keys if key]
            words.update(*(tokens(text) for text in [name, *aliases]))
        for service in self.services:
            words.update(tokens(service))
        return names, {w for w in words if 3 <= len(w) <= 100 and w.isalpha()}


def name_variants(name, aliases):
    """The name, its aliases, and for "Long Name (ABBR)" both "Long Name" and "ABBR"."""
    yield name
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", name)
    if match:
        yield from match.groups()
    yield from aliases
