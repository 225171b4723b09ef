"""Full-text search over the glossary: the one service the website, autocomplete and API call.

Public interface (kept stable):

``search_terms(query, *, category=None, difficulty=None, provider=None) -> SearchResults``
    Ranked matches for what a reader typed. ``category`` (slug), ``difficulty`` (value) and
    ``provider`` (slug) narrow the results; the facet links pass them back.
    ``SearchResults`` has:

    - ``query``: the query as typed, stripped; ``ids``: matching term ids, best first;
    - ``total``: how many terms match (``ids`` holds at most ``MAX_RESULTS`` of them);
    - ``facets``: ``{"category": [Facet], "difficulty": [Facet], "provider": [Facet]}``, each
      ``Facet(value, label, count, selected)``;
    - ``suggestions``: "did you mean" ``[Suggestion(name, slug, url)]`` when the query found
      no good hit (a typo, usually);
    - ``page(number, per_page=20)``: a Django ``Page`` whose items are ``Hit(term, snippet)``,
      terms loaded with ``Term.objects.with_related()`` and ``snippet`` safe HTML in which
      only ``<mark>`` is markup (everything else is escaped).

``rank_queryset(queryset, query) -> QuerySet``
    For the API: ``queryset`` narrowed to the matches, annotated ``search_rank`` (0 = best)
    and ordered by it; a later ``order_by()`` replaces the ranking.

``suggest(prefix, limit=8) -> list[dict]``
    Autocomplete: ``{"name", "slug", "url", "category"}`` for names and aliases starting
    with ``prefix``, then names containing a word starting with it.

``reindex_terms(term_ids)``
    Bring the index up to date for these terms (ids of deleted terms are dropped from it).
    Runs in the caller's transaction. Saves and deletes of terms and their children do this
    through signals; code that writes with ``bulk_create``/``update`` must call it.

``rebuild_index() -> int``
    Rebuild the whole index from the terms (``manage.py rebuild_search_index``).

``indexing_deferred()``
    Context manager: inside it, signals only note the changed terms, which are reindexed
    once on exit (use it around bulk edits, inside their transaction).

How it works: every term is flattened into a ``SearchDocument`` (names and aliases,
services, definition, use cases + FAQs + category), its names and aliases into
``SearchName`` keys, and the words of its names and services into the ``SearchWord``
vocabulary. SQLite indexes documents with FTS5 (bm25 with column weights); PostgreSQL with
a weighted, GIN-indexed tsvector ranked by ``SearchRank``, and pg_trgm for typos. Ranking:
exact name or alias, then name prefix, then full-text relevance.
"""

from dataclasses import dataclass, field

MAX_RESULTS = 1000


@dataclass
class Facet:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Suggestion:
    name: str
    slug: str
    url: str


@dataclass
class Hit:
    term: object
    snippet: str


@dataclass
class SearchResults:
    query: str
    ids: list = field(default_factory=list)
    total: int = 0
    facets: dict = field(default_factory=dict)
    suggestions: list = field(default_factory=list)

    def page(self, number, per_page=20):
        raise NotImplementedError


def search_terms(query, *, category=None, difficulty=None, provider=None):
    return SearchResults(query=(query or "").strip())


def rank_queryset(queryset, query):
    return queryset.none()


def suggest(prefix, limit=8):
    return []


def reindex_terms(term_ids):
    pass


def rebuild_index():
    return 0
