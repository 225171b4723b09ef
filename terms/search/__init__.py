"""Full-text search over the glossary: the one service the website, autocomplete and API call.

A search goes views → engine.search_terms() → backends/<database>.py → results. How it
ranks, corrects typos and stays fast is in README.md, "How search works". The public face:

- search_terms(query, *, category, difficulty, provider, facets=True) -> SearchResults
- rank_queryset(queryset, results) -> a QuerySet of the results' terms, best first
- suggest(prefix, limit=8) -> autocomplete entries
- reindex_terms(ids), indexing_deferred(), rebuild_index() -> keeping the index current
"""

from terms.search.engine import search_terms
from terms.search.indexing import indexing_deferred, rebuild_index, reindex_terms
from terms.search.query import COUNT_LIMIT, MAX_RESULTS, name_key, parse, tokens
from terms.search.results import Facet, Hit, SearchResults, Suggestion
from terms.search.suggest import rank_queryset, suggest

__all__ = [
    "COUNT_LIMIT",
    "MAX_RESULTS",
    "Facet",
    "Hit",
    "SearchResults",
    "Suggestion",
    "indexing_deferred",
    "name_key",
    "parse",
    "rank_queryset",
    "rebuild_index",
    "reindex_terms",
    "search_terms",
    "suggest",
    "tokens",
]
