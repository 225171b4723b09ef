"""Matches by name: a term named exactly what was asked for, or with a name starting with it."""

from terms.search import query as bounds
from terms.search.backends.base import Filters


def name_ranked(matches, key):
    """Term ids of NameMatch rows: those whose name or alias is `key` exactly, then those
    that start with it, shortest first."""
    ordered = sorted(matches, key=lambda match: (match.key != key, len(match.key), match.key))
    return list(dict.fromkeys(match.term_id for match in ordered))


def names_first(backend, key, limit):
    """Ids of up to `limit` terms, any category, named `key` or with a name starting with it:
    what "did you mean" and the autocomplete offer first."""
    return name_ranked(backend.name_matches(key), key)[:limit]


def ranked_names(backend, query, limit):
    """Up to `limit` ids of matches in names and services: ranked when there are few enough
    to rank (as search ranks them), else the first in index order."""
    hits = backend.name_hits(query, Filters(), bounds.RANK_LIMIT)
    if hits is None:
        return backend.name_ids(query, Filters(), limit, ranked=False)
    return [hit.term_id for hit in hits[:limit]]
