"""Full-text search over the glossary: the one service the website, autocomplete and API call.

Public interface (kept stable):

``search_terms(query, *, category=None, difficulty=None, provider=None) -> SearchResults``
    Ranked matches for what a reader typed. ``category`` (slug), ``difficulty`` (value) and
    ``provider`` (slug) narrow the results; the facet links pass them back.
    ``SearchResults`` has:

    - ``query``: the query as typed, stripped; ``ids``: matching term ids, best first
      (at most ``MAX_RESULTS``, like Algolia's default pagination limit);
    - ``total``: how many terms match; ``total_capped`` is true when there are more than
      ``COUNT_LIMIT`` and ``total`` stops there; ``phrase_capped`` is true when more than
      ``PHRASE_CANDIDATES`` terms have all the words of a query's phrase and the phrase was
      looked for in the first of them only;
    - ``facets``: ``{"category": [Facet], "difficulty": [Facet], "provider": [Facet]}``, each
      ``Facet(value, label, count, selected)``, counted over ``ids``;
    - ``suggestions``: "did you mean" ``[Suggestion(name, slug, url)]`` when the query found
      no good hit (a typo, usually);
    - ``page(number, per_page=20)``: a Django ``Page`` whose items are ``Hit(term, snippet)``,
      terms loaded with their category, ``snippet`` safe HTML in which only ``<mark>`` is
      markup (everything else is escaped): the best matching passage of the definition,
      use cases and FAQs, or services, else the summary.

``rank_queryset(queryset, query) -> QuerySet``
    For the API: ``queryset`` narrowed to the matches, annotated ``search_rank`` (1 = best)
    and ordered by it; a later ``order_by()`` replaces the ranking.

``suggest(prefix, limit=8) -> list[dict]``
    Autocomplete: ``{"name", "slug", "url", "category"}`` for names and aliases starting
    with ``prefix``, then names containing a word that starts with it.

``reindex_terms(term_ids)``
    Bring the index up to date for these terms (ids of deleted terms are dropped from it),
    in the caller's transaction. Saves and deletes of terms and their children do this
    through signals; code that writes with ``bulk_create``/``update`` must call it.

``rebuild_index() -> int``
    Rebuild the whole index from the terms (``manage.py rebuild_search_index``).

``indexing_deferred()``
    Context manager: inside it, signals only note the changed terms, which are reindexed
    once on exit (use it around bulk edits, inside their transaction).

How it works: every term is flattened into a ``SearchDocument`` (names and aliases,
services, definition, use cases + FAQs + category; and what the facets count: category,
difficulty, provider ids), its names and aliases into ``SearchName``
keys, and the words of its names and services into the ``SearchWord`` vocabulary, each word
with its ``SearchWordKey`` deletion keys (itself and every one-letter deletion). SQLite
indexes documents with FTS5 (bm25 with column weights); PostgreSQL with a weighted,
GIN-indexed tsvector ranked by ``SearchRank``. Ranking: exact name or alias, then name
prefix, then full-text relevance. Ranking every match of a word found in most terms is what
makes search slow, so one statement fetches at most ``COUNT_LIMIT`` + 1 matches, each with
its rank and facet values; when more than ``RANK_LIMIT`` match, only the matches in names and
services are ranked and the rest follow in index order. (PostgreSQL reads those, and the
facet values of name matches, from ``SearchTitle``: a narrow row per term with its names and
services vector, where a document row fills a page.) Checking a phrase's word order reads
each term that has all its words, so a phrase is looked for in the first
``PHRASE_CANDIDATES`` of them (on SQLite, those are then not ranked by bm25, which would
count the terms with the phrase in the whole index). "Did you mean" looks a typo's
deletions (up to two letters) up in the keys: a few B-tree probes on both backends; a word
missing two letters falls back to trigram neighbours (FTS5 trigram table, pg_trgm GiST).

Results (ids, counts, facets, suggestions), and each page of hits once shown, are kept in
the "search" cache for ``SEARCH_CACHE_SECONDS``, keyed by the parsed query, the filters and
``SearchGeneration``: every index change counts one in the same transaction, so results from
before it are never served after it commits, in any process.
"""

import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import batched
from operator import itemgetter

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import F, Func, IntegerField, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape

from terms.models import (
    FAQ,
    Category,
    Difficulty,
    Provider,
    ProviderEquivalent,
    SearchWord,
    Term,
    UseCase,
)
from terms.snippets import Highlighter

logger = logging.getLogger(__name__)

MAX_RESULTS = 1000
# Counting the matches of a word found everywhere costs as much as fetching them (PostgreSQL
# reads each matching row), so the count stops where the results do: "More than 1000".
COUNT_LIMIT = MAX_RESULTS
RANK_LIMIT = 1000  # at most COUNT_LIMIT: the count decides whether to rank
MAX_QUERY_CHARS = 200
MAX_CLAUSES = 8
# Letters a prefix* needs; a shorter one is read as a word. PostgreSQL's GIN index joins the
# postings of every word that starts with a prefix: at 100,000 terms "k*" took 160 ms and
# "ka*" 118 ms, "kas*" 46 ms.
MIN_PREFIX = 3
# A phrase's word order is checked term by term. Words found in most terms but seldom side by
# side made that every term: at 100,000 terms '"policy monitoring"' took 213 ms on PostgreSQL.
# A phrase is looked for in the first PHRASE_CANDIDATES terms (in index order) that have all
# the query's words, and the results say when there were more.
PHRASE_CANDIDATES = 5_000
NAME_MATCHES = 200
BATCH = 2_000

_TOKEN = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# PostgreSQL's English stop words, dropped on both backends so they behave alike.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()  # noqa: SIM905
)


# ---------------------------------------------------------------------------- results


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
    term: Term
    snippet: str


@dataclass
class SearchResults:
    query: str
    ids: list = field(default_factory=list)
    total: int = 0
    total_capped: bool = False
    phrase_capped: bool = False  # a phrase was looked for in PHRASE_CANDIDATES terms only
    facets: dict = field(default_factory=dict)
    suggestions: list = field(default_factory=list)
    parsed: "Query | None" = field(default=None, repr=False)
    cache_key: str | None = field(default=None, repr=False)  # when the results are cached

    @property
    def phrase_candidates(self):
        return PHRASE_CANDIDATES

    def page(self, number, per_page=20):
        """A Django Page of Hit(term, snippet) for page `number` (clamped to a valid page)."""
        page = Paginator(self.ids, per_page).get_page(number)
        ids = list(page.object_list)
        # A page's hits are cached beside the results they list, under the same change
        # count: a term edit that alters a hit (name, summary, badges, text) retires both.
        key = f"{self.cache_key}:page:{per_page}:{page.number}" if self.cache_key else None
        hits = _cached(key) if key else None
        if hits is None:
            rows = _term_rows(ids, texts=True)
            highlighter = Highlighter(self.parsed) if self.parsed else None
            hits = [
                (row[:_HIT_COLUMNS], highlighter.snippet(row[_HIT_COLUMNS:]) if highlighter else "")
                for row in (rows[pk] for pk in ids if pk in rows)
            ]
            if key:
                _cache(key, hits, settings.SEARCH_CACHE_SECONDS)
        page.object_list = [
            Hit(term, snippet or escape(term.summary))
            for term, snippet in ((_term_from_row(row), snippet) for row, snippet in hits)
        ]
        return page


def _load_terms(ids):
    """{id: Term} loaded with only what a hit, a suggestion or an autocomplete entry shows:
    the link with its summary preview, and the category and difficulty badges."""
    return {pk: _term_from_row(row) for pk, row in _term_rows(ids).items()}


def _term_rows(ids, texts=False):
    """{id: row} of what _term_from_row() needs, in one query; with `texts`, followed by
    the texts a snippet is taken from (see terms.snippets). Raw SQL, as the ORM spent
    longer building the query than the database took to run it; plain rows, so they can
    be cached."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    columns = [f"t.{name}" for name in _HIT_TERM] + [f"c.{name}" for name in _HIT_CATEGORY]
    joined = ""
    if texts:
        columns += [f"d.{name}" for name in SNIPPET_SOURCES]
        joined = " LEFT JOIN terms_searchdocument d ON d.term_id = t.id"
    rows = _rows(
        f"SELECT {', '.join(columns)} FROM terms_term t "
        f"JOIN terms_category c ON c.id = t.category_id{joined} WHERE t.id IN ({marks})",
        ids,
    )
    return {row[_HIT_ID]: tuple(row) for row in rows}


def _term_from_row(row):
    term = Term.from_db(connection.alias, _HIT_TERM, row[: len(_HIT_TERM)])
    term.category = Category.from_db(connection.alias, _HIT_CATEGORY, row[len(_HIT_TERM) :])
    return term


def _in_field_order(model, names):
    # from_db() takes values in the model's field order, whatever order the names come in.
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


_HIT_TERM = _in_field_order(Term, {"id", "name", "slug", "summary", "difficulty", "category_id"})
_HIT_CATEGORY = _in_field_order(Category, {"id", "name", "slug"})
_HIT_ID = _HIT_TERM.index("id")
_HIT_COLUMNS = len(_HIT_TERM) + len(_HIT_CATEGORY)
# The document fields a snippet may come from, in the order they are tried.
SNIPPET_SOURCES = ["definition", "body", "services"]


# ---------------------------------------------------------------------------- parsing


@dataclass
class Query:
    """A reader's query, parsed: clauses are (kind, tokens), kind one of
    "word", "prefix", "phrase" (required) or "not" (excluded)."""

    clauses: list

    @property
    def positive(self):
        return [c for c in self.clauses if c[0] != "not"]

    @property
    def negative(self):
        return [c for c in self.clauses if c[0] == "not"]

    @property
    def words(self):
        return [t for _, tokens in self.positive for t in tokens]

    @property
    def has_phrase(self):
        """Whether a required clause is words in a row, whose order is checked term by term."""
        return any(kind == "phrase" and len(tokens) > 1 for kind, tokens in self.positive)

    @property
    def relaxed(self):
        """Its required words alone, in any order: what every term it can match has."""
        return Query(
            [
                (kind if kind == "prefix" else "word", [word])
                for kind, tokens in self.positive
                for word in tokens
            ]
        )

    @property
    def name_key(self):
        """The whole query as a name key, when it can be compared with names at all."""
        return "" if self.negative else " ".join(self.words)


def tokens(text):
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def name_key(text):
    """ "Retrieval-Augmented Generation (RAG)" -> "retrieval augmented generation rag"."""
    return " ".join(tokens(text))


def parse(text):
    """Parse a query safely: "phrases", -excluded, prefix* (of MIN_PREFIX letters or more);
    anything else is a word."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    clauses = []
    for match in _CHUNK.finditer(text):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        chunk = match.group(2) if quoted else match.group(4)
        words = tokens(chunk)[:MAX_CLAUSES]
        if not quoted and len(words) == 1 and words[0] in STOP_WORDS:
            continue
        if not words:
            continue
        kind = "phrase" if quoted or len(words) > 1 else "word"
        if kind == "word" and chunk.endswith("*") and len(words[0]) >= MIN_PREFIX:
            kind = "prefix"
        clauses.append(("not", words) if negated else (kind, words))
    return Query(clauses[:MAX_CLAUSES])


# ---------------------------------------------------------------------------- filters


def _pk_by_slug(model, slug):
    """The pk of the `model` with this slug, None when there is none; text that no slug can
    be is not looked up (PostgreSQL refuses text holding a NUL byte)."""
    if not slug_re.match(slug):
        return None
    return model.objects.filter(slug=slug).values_list("pk", flat=True).first()


@dataclass
class Filters:
    category_id: int | None = None
    difficulty: str | None = None
    provider_id: int | None = None
    impossible: bool = False

    @classmethod
    def resolve(cls, category, difficulty, provider):
        filters = cls()
        if category:
            filters.category_id = _pk_by_slug(Category, category)
            filters.impossible |= filters.category_id is None
        if difficulty:
            filters.difficulty = difficulty
            filters.impossible |= difficulty not in Difficulty.values
        if provider:
            filters.provider_id = _pk_by_slug(Provider, provider)
            filters.impossible |= filters.provider_id is None
        return filters

    def sql(self, id_column):
        """WHERE fragments (and params) narrowing rows whose term id is `id_column`."""
        where, params = [], []
        if self.category_id is not None or self.difficulty:
            conditions, values = [f"t.id = {id_column}"], []
            if self.category_id is not None:
                conditions.append("t.category_id = %s")
                values.append(self.category_id)
            if self.difficulty:
                conditions.append("t.difficulty = %s")
                values.append(self.difficulty)
            where.append(f"EXISTS (SELECT 1 FROM terms_term t WHERE {' AND '.join(conditions)})")
            params += values
        if self.provider_id is not None:
            where.append(
                "EXISTS (SELECT 1 FROM terms_providerequivalent pe "
                f"WHERE pe.term_id = {id_column} AND pe.provider_id = %s)"
            )
            params.append(self.provider_id)
        return "".join(f" AND {w}" for w in where), params


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------------------- backends

FACET_COLUMNS = "d.category_id, d.difficulty, d.providers"
# Every category's and provider's facet label: a few dozen rows at most, read in the same
# round trip as the matches rather than after them for the values found. Providers in their
# column order.
FACET_LABELS_SQL = (
    "SELECT 'c', id, slug, name, 0 FROM terms_category UNION ALL "
    "SELECT 'p', id, slug, short_name, position FROM terms_provider"
)


class _Backend:
    """What differs between SQLite and PostgreSQL; the ranking logic above it is shared."""

    key_collate = ""
    FACETS_FROM = "terms_searchdocument d"  # where a match's facet columns are read
    # Whether ranking a phrase's matches reads every term with the phrase: then a phrase
    # looked for in the first PHRASE_CANDIDATES terms only is ranked as a word found in more
    # than RANK_LIMIT terms is.
    phrase_rank_reads_all = False

    def read_together(self, statements):
        """The rows of each (sql, params) statement, in order; no rows where it is None."""
        return [_rows(*statement) if statement else [] for statement in statements]

    def name_matches(self, key, filters, limit=NAME_MATCHES, facets=False):
        """(term_id, key) of names and aliases starting with `key`, in key order; with
        `facets`, followed by the term's category_id, difficulty and providers."""
        return _rows(*self.name_matches_sql(key, filters, limit, facets))

    def name_matches_sql(self, key, filters, limit=NAME_MATCHES, facets=False):
        """name_matches() as (sql, params)."""
        where, params = filters.sql("n.term_id")
        columns, joined = "n.term_id, n.key", ""
        if facets:
            columns += f", {FACET_COLUMNS}"
            joined = f" JOIN {self.FACETS_FROM} ON d.term_id = n.term_id"
        return (
            f"SELECT {columns} FROM terms_searchname n{joined} "
            f"WHERE n.key{self.key_collate} >= %s AND n.key{self.key_collate} < %s{where} "
            f"ORDER BY n.key{self.key_collate} LIMIT %s",
            [key, key + "\U0010ffff", *params, limit],
        )

    # The backends' own statements below are asked only for queries that require something.

    def matches_sql(self, query, filters, limit):
        """(sql, params) of up to `limit` full-text matches, unordered, as (term_id, rank,
        category_id, difficulty, providers): lower ranks are better (None: see ranked());
        the rest is what facets count. None when the query requires nothing."""
        return self._matches_sql(query, filters, limit) if query.positive else None

    def _matches_sql(self, query, filters, limit):
        raise NotImplementedError

    def found(self, query, filters, rows):
        """The rows that matches_sql() read, as it documents them, and whether a phrase was
        looked for in the first PHRASE_CANDIDATES terms with all the query's words only."""
        return rows, False

    def ranked(self, query, filters, found):
        """Term ids of the rows that matches_sql() read, best first (ties by id)."""
        return [row[0] for row in sorted(found, key=itemgetter(1, 0))]

    # Matches in names and services come from an index of those fields alone, which cannot
    # tell that a term has an excluded word elsewhere: its documents are asked afterwards.

    def name_hits(self, query, filters, limit):
        """The matches in names and services, best first, as (term_id, category_id,
        difficulty, providers); None when more than `limit` match, too many to rank."""
        if not query.positive:
            return []
        hits = self._name_hits(query, filters, limit)
        return self._without_excluded(hits, query, key=itemgetter(0))

    def name_ids(self, query, filters, limit, ranked=True):
        """Ids of up to `limit` matches in names and services: the best (ranking them all),
        or with `ranked=False` the first in index order."""
        if not query.positive:
            return []
        ids = self._name_ids(query, filters, limit, ranked)
        return self._without_excluded(ids, query, key=lambda pk: pk)

    def _without_excluded(self, items, query, key):
        if not (items and query.negative):
            return items
        excluded = self.excluded([key(item) for item in items], query)
        return [item for item in items if key(item) not in excluded]

    def _name_hits(self, query, filters, limit):
        """name_hits() as the index of names and services alone answers it."""
        raise NotImplementedError

    def _name_ids(self, query, filters, limit, ranked):
        """name_ids() as the index of names and services alone answers it."""
        raise NotImplementedError

    def excluded(self, ids, query):
        """Those of these term ids whose document matches one of the query's excluded
        clauses."""
        raise NotImplementedError

    def in_ids(self, ids):
        """A condition (to follow a column) and its one parameter: "is one of these ids"."""
        raise NotImplementedError

    def insert(self, table, columns, rows, fresh=False):
        """Add rows to an index table; rows whose key is already there are skipped.
        `fresh`: the table was emptied in this transaction, so no row can clash."""
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
                "ON CONFLICT DO NOTHING",
                rows,
            )

    def empty(self, tables):
        for table in tables:
            _execute(f"DELETE FROM {table}")

    # A rebuild: prepare_documents(), before_rebuild(), empty(), insert_all_documents(),
    # index_documents(), the names and words, after_rebuild(); all in one transaction.

    def prepare_documents(self):
        """What a rebuild can do before it empties the index, while searches still read it."""

    def write_documents(self, where="", params=()):
        """Compute and write the documents of the terms that `where` (a WHERE clause on
        terms_term t) selects; all of them when it is empty."""
        raise NotImplementedError

    def insert_all_documents(self):
        """Write every term's document into the emptied table."""
        self.write_documents()

    def after_commit(self):
        """What a rebuild does once it has committed, outside any transaction."""

    # What write_documents() writes, a row per term.
    DOCUMENT_TABLES = ["terms_searchdocument"]


class _Sqlite(_Backend):
    # bm25 weighs a phrase by how many terms have it, and counts them over the whole index: at
    # 100,000 terms, ranking the 4 matches of '"data cloud model service"' took 60 ms.
    phrase_rank_reads_all = True
    # A covering index (migration 0013): the document rows are wide and the facet columns
    # come last, in overflow pages.
    FACETS_FROM = "terms_searchdocument d INDEXED BY terms_searchdocument_facets"

    def __init__(self):
        # A bounded phrase's cutoff, asked once per search (a backend serves one): the
        # match and the ranking statements must agree on it.
        self._cutoffs = {}

    @staticmethod
    def _phrase(tokens):
        return '"' + " ".join(tokens) + '"'

    def _match(self, query):
        positive = []
        for kind, words in query.positive:
            positive.append(self._phrase(words) + (" *" if kind == "prefix" else ""))
        if not positive:
            return None
        expr = " AND ".join(positive)
        for _, words in query.negative:
            expr += " NOT " + self._phrase(words)
        return expr

    def excluded(self, ids, query):
        match = " OR ".join(self._phrase(words) for _, words in query.negative)
        in_ids, param = self.in_ids(ids)
        rows = _rows(
            "SELECT rowid FROM terms_search_fts WHERE terms_search_fts MATCH %s "
            f"AND rowid {in_ids}",
            [match, param],
        )
        return {row[0] for row in rows}

    def _where(self, query, filters, names_only):
        """(FTS5 table, WHERE clause, params) for the documents matching `query`. Matches in
        names and services have their own small index (migration 0013): a column filter on
        the full one reads a common word's every position."""
        table = "terms_searchname_fts" if names_only else "terms_search_fts"
        where, params = filters.sql(f"{table}.rowid")
        cutoff = None if names_only else self._phrase_cutoff(query, filters)
        if cutoff is not None:
            where += f" AND {table}.rowid < %s"
            params.append(cutoff)
        return table, f"{table} MATCH %s{where}", [self._match(query), *params]

    def _phrase_cutoff(self, query, filters):
        """For a query with a phrase that more than PHRASE_CANDIDATES terms have all the words
        of, the id of the first term beyond those (FTS5 reads its matches in id order)."""
        if not query.has_phrase:
            return None
        relaxed = self._match(query.relaxed)
        where, params = filters.sql("terms_search_fts.rowid")
        key = (relaxed, where, *params, PHRASE_CANDIDATES)
        if key not in self._cutoffs:
            rows = _rows(
                "SELECT rowid FROM terms_search_fts WHERE terms_search_fts MATCH %s"
                f"{where} ORDER BY rowid LIMIT 1 OFFSET %s",
                [relaxed, *params, PHRASE_CANDIDATES],
            )
            self._cutoffs[key] = rows[0][0] if rows else None
        return self._cutoffs[key]

    def found(self, query, filters, rows):
        return rows, self._phrase_cutoff(query, filters) is not None

    def _matches_sql(self, query, filters, limit):
        table, where, params = self._where(query, filters, False)
        # Unranked: bm25 costs more than finding the match, and when there are more than
        # RANK_LIMIT matches it would be thrown away. ranked() ranks the others.
        return (
            f"SELECT {table}.rowid, NULL, {FACET_COLUMNS} FROM {table} "
            f"JOIN {self.FACETS_FROM} ON d.term_id = {table}.rowid WHERE {where} LIMIT %s",
            [*params, limit],
        )

    def ranked(self, query, filters, found):
        if len(found) < 2:
            return [row[0] for row in found]
        # FTS5's rank is bm25 with the column weights (migration 0005): lower is better.
        table, where, params = self._where(query, filters, False)
        ranked = _rows(f"SELECT rowid FROM {table} WHERE {where} ORDER BY rank, rowid", params)
        # Only what the match statement found; one written between the two reads has no rank: last.
        found = {row[0] for row in found}
        ids = [row[0] for row in ranked if row[0] in found]
        return ids + sorted(found.difference(ids)) if len(ids) < len(found) else ids

    def _name_hits(self, query, filters, limit):
        # Counting first is cheap on the names index, and ranking more than `limit` is not.
        table, where, params = self._where(query, filters, True)
        counted = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT %s)"
        if _rows(counted, [*params, limit + 1])[0][0] > limit:
            return None
        return _rows(
            f"SELECT {table}.rowid, {FACET_COLUMNS} FROM {table} "
            f"JOIN {self.FACETS_FROM} ON d.term_id = {table}.rowid WHERE {where} "
            "ORDER BY rank LIMIT %s",
            [*params, limit],
        )

    def _name_ids(self, query, filters, limit, ranked):
        table, where, params = self._where(query, filters, True)
        order = " ORDER BY rank" if ranked else ""
        sql = f"SELECT rowid FROM {table} WHERE {where}{order} LIMIT %s"
        return [row[0] for row in _rows(sql, [*params, limit])]

    def similar_words(self, word, limit=30):
        grams = {word[i : i + 3] for i in range(len(word) - 2)}
        if not grams:
            return []
        match = " OR ".join(f'"{gram}"' for gram in sorted(grams))
        rows = _rows(
            "SELECT word FROM terms_searchword_fts WHERE terms_searchword_fts MATCH %s "
            "ORDER BY rank LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in rows]

    def in_ids(self, ids):
        return "IN (SELECT value FROM json_each(%s))", json.dumps(ids)

    DOCUMENTS_SQL = """
        INSERT INTO terms_searchdocument (term_id, names, services, definition, body,
            category_id, difficulty, providers)
        SELECT t.id,
            t.name || coalesce((SELECT ' · ' || group_concat(a.value, ' · ')
                FROM json_each(t.aliases) a), ''),
            coalesce((SELECT group_concat(p.short_name || ': ' || e.service
                || coalesce((SELECT ' / ' || group_concat(f.value, ' / ')
                    FROM json_each(e.former_names) f), ''), ' · ')
                FROM terms_providerequivalent e JOIN terms_provider p ON p.id = e.provider_id
                WHERE e.term_id = t.id), ''),
            t.definition,
            coalesce((SELECT group_concat(u.organization || ': ' || u.title || '. '
                || u.description || ' ' || u.outcome, char(10))
                FROM terms_usecase u WHERE u.term_id = t.id) || char(10), '')
            || coalesce((SELECT group_concat(q.question || ' ' || q.answer, char(10))
                FROM terms_faq q WHERE q.term_id = t.id) || char(10), '')
            || c.name,
            t.category_id, t.difficulty,
            coalesce((SELECT ',' || group_concat(DISTINCT e.provider_id) || ','
                FROM terms_providerequivalent e WHERE e.term_id = t.id), '')
        FROM terms_term t JOIN terms_category c ON c.id = t.category_id {where}
    """

    def write_documents(self, where="", params=()):
        _execute(self.DOCUMENTS_SQL.format(where=where), params)

    def before_rebuild(self):
        # The triggers that keep FTS5 in step (migration 0013) would index every document
        # twice: they are set aside, and created again as they were once the indexes are
        # rebuilt in one pass each.
        self._triggers = _rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'terms_searchdocument'",
            [],
        )
        for name, _ in self._triggers:
            _execute(f"DROP TRIGGER {name}")
        _execute("DELETE FROM terms_searchword_fts")

    def index_documents(self):
        for table in ("terms_search_fts", "terms_searchname_fts"):
            _execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")

    def after_rebuild(self):
        for _, sql in self._triggers:
            _execute(sql)


class _Postgres(_Backend):
    key_collate = ' COLLATE "C"'
    FACETS_FROM = "terms_searchtitle d"
    # SearchRank weights, D to A: names 1.0, services 0.5, definition 0.2, the rest 0.1;
    # the same proportions as the bm25 column weights on SQLite.
    WEIGHTS = [0.1, 0.2, 0.5, 1.0]
    TSQUERY = "to_tsquery('english'::regconfig, %s)"  # one parameter: _tsquery()'s text
    RANK = f"ts_rank(%s::float4[], d.vector, {TSQUERY})"  # parameters: WEIGHTS, the text

    @staticmethod
    def _phrase(words, prefix=False):
        """Words that follow each other, as to_tsquery() text; `prefix`: the last is one."""
        parts = [f"'{w}'" for w in words]
        if prefix:
            parts[-1] += ":*"
        return "(" + " <-> ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def _tsquery(self, query):
        """The query as to_tsquery('english', …) text, or None when nothing is required."""
        parts = [self._phrase(words, kind == "prefix") for kind, words in query.positive]
        if not parts:
            return None
        parts += ["!" + self._phrase(words) for _, words in query.negative]
        return " & ".join(parts)

    def excluded(self, ids, query):
        rows = _rows(
            "SELECT term_id FROM terms_searchdocument WHERE term_id = ANY(%s::bigint[]) "
            f"AND vector @@ {self.TSQUERY}",
            [list(ids), " | ".join(self._phrase(words) for _, words in query.negative)],
        )
        return {row[0] for row in rows}

    def _where(self, query, filters, names_only):
        """(table, WHERE clause, params) for the documents matching `query`, or with
        `names_only` their titles (names and services, a narrow row each) that match it."""
        table = "terms_searchtitle d" if names_only else "terms_searchdocument d"
        where, params = filters.sql("d.term_id")
        raw = self._tsquery(query)
        return table, f"d.vector @@ {self.TSQUERY}{where}", [raw, *params]

    # Raw SQL rather than the ORM: compiling the queryset cost as much as running it.
    def _matches_sql(self, query, filters, limit):
        if query.has_phrase:
            return self._phrase_matches_sql(query, filters, limit)
        table, where, params = self._where(query, filters, False)
        # The facet columns are in the row the match is read from.
        return (
            f"SELECT d.term_id, -{self.RANK}, {FACET_COLUMNS} FROM {table} WHERE {where} LIMIT %s",
            [self.WEIGHTS, params[0], *params, limit],
        )

    def _phrase_matches_sql(self, query, filters, limit):
        # The terms with all the words, up to one more than PHRASE_CANDIDATES, numbered as
        # read (narrow rows: the order is checked and the rank taken below the numbering);
        # the matches among them, and that one more to say there were more.
        raw = self._tsquery(query)
        table, candidates, params = self._where(query.relaxed, filters, False)
        return (
            "SELECT * FROM (SELECT c.*, row_number() OVER () AS n FROM ("
            f"SELECT d.term_id, CASE WHEN d.vector @@ {self.TSQUERY} THEN -{self.RANK} END "
            f"AS rank, {FACET_COLUMNS} FROM {table} WHERE {candidates} LIMIT %s) c) x "
            "WHERE x.rank IS NOT NULL OR x.n > %s LIMIT %s",
            [raw, self.WEIGHTS, raw, *params, PHRASE_CANDIDATES + 1, PHRASE_CANDIDATES, limit],
        )

    def found(self, query, filters, rows):
        if not query.has_phrase:
            return rows, False
        checked = [row[:-1] for row in rows if row[-1] <= PHRASE_CANDIDATES]
        return checked, len(checked) < len(rows)

    def _name_hits(self, query, filters, limit):
        # One read of up to limit + 1 rows, each ranked: counting them first would read
        # them twice.
        table, where, params = self._where(query, filters, True)
        rows = _rows(
            f"SELECT d.term_id, {self.RANK}, {FACET_COLUMNS} FROM {table} WHERE {where} LIMIT %s",
            [self.WEIGHTS, params[0], *params, limit + 1],
        )
        if len(rows) > limit:
            return None
        rows.sort(key=lambda row: (-row[1], row[0]))
        return [(row[0], *row[2:]) for row in rows]

    def _name_ids(self, query, filters, limit, ranked):
        table, where, params = self._where(query, filters, True)
        order = ""
        if ranked:
            order = f" ORDER BY {self.RANK} DESC, d.term_id"
            params += [self.WEIGHTS, params[0]]
        sql = f"SELECT d.term_id FROM {table} WHERE {where}{order} LIMIT %s"
        return [row[0] for row in _rows(sql, [*params, limit])]

    def similar_words(self, word, limit=30):
        rows = _rows(
            # Nearest by trigram distance, straight from the GiST index (migration 0007).
            "SELECT word FROM terms_searchword ORDER BY word <-> %s LIMIT %s",
            [word, limit],
        )
        return [row[0] for row in rows]

    def in_ids(self, ids):
        return "= ANY(%s::bigint[])", list(ids)

    def read_together(self, statements):
        # One round trip for them all. With client-side binding (psycopg's ClientCursor,
        # Django's default) a query string may hold several statements, whose rows come
        # back one result set after another; server-side binding allows only one.
        asked = [statement for statement in statements if statement]
        if len(asked) < 2 or connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return super().read_together(statements)
        with connection.cursor() as cursor:
            cursor.execute(
                "; ".join(sql for sql, _ in asked),
                [param for _, params in asked for param in params],
            )
            results = [cursor.fetchall()]
            while cursor.nextset():
                results.append(cursor.fetchall())
        rows = iter(results)
        return [next(rows) if statement else [] for statement in statements]

    def insert(self, table, columns, rows, fresh=False):
        if not rows:
            return
        if fresh:
            # COPY: a rebuild adds some 400,000 rows, and binding them as parameters cost
            # more than inserting them.
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # One statement for the lot, whatever the number of rows.
        types = ", ".join(f"%s::{self.ARRAY_TYPES[column]}[]" for column in columns)
        _execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({types}) "
            "ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*rows, strict=True)],
        )

    ARRAY_TYPES = {
        "term_id": "bigint",
        "key": "text",
        "label": "text",
        "is_alias": "boolean",
        "word": "text",
    }

    def empty(self, tables):
        # Not DELETE: that leaves every old row behind for VACUUM, and costs more.
        _execute(f"TRUNCATE {', '.join(tables)}")

    # A term's texts come from terms_search_texts() (migration 0014), whose subqueries the
    # workers of a parallel rebuild can run.
    DOCUMENTS_SELECT = """
        SELECT t.id AS term_id, x.names, x.services, t.definition, x.body,
            setweight(to_tsvector('english', x.names), 'A')
            || setweight(to_tsvector('english', x.services), 'B')
            || setweight(to_tsvector('english', t.definition), 'C')
            || setweight(to_tsvector('english', x.body), 'D') AS vector,
            t.category_id, t.difficulty, x.providers
        FROM terms_term t, terms_search_texts(t) x
    """
    DOCUMENT_COLUMNS = (
        "term_id, names, services, definition, body, vector, category_id, difficulty, providers"
    )

    @classmethod
    def _write_sql(cls, select):
        """One statement writing the documents that `select` computes, and their titles:
        the vectors' name and service parts (weights A and B), positions and all."""
        return (
            f"WITH written AS (INSERT INTO terms_searchdocument ({cls.DOCUMENT_COLUMNS}) "
            f"{select} RETURNING term_id, ts_filter(vector, ARRAY['a', 'b']::\"char\"[]), "
            "category_id, difficulty, providers) "
            "INSERT INTO terms_searchtitle (term_id, vector, category_id, difficulty, providers) "
            "SELECT * FROM written"
        )

    DOCUMENT_TABLES = ["terms_searchdocument", "terms_searchtitle"]

    def write_documents(self, where="", params=()):
        _execute(self._write_sql(f"{self.DOCUMENTS_SELECT} {where}"), params)

    def prepare_documents(self):
        # From here edits wait for the rebuild to commit (their reindex then writes to the new
        # index), while searches go on reading the old index until empty() takes it away.
        _execute("LOCK TABLE terms_searchdocument IN EXCLUSIVE MODE")
        # PostgreSQL never runs the SELECT of an INSERT in parallel, but it does that of a
        # CREATE TABLE ... AS: computing the documents there, on every core, then copying
        # them into the index took 29-35 s at 100,000 terms on 2 cores, against 56 s for the
        # INSERT alone. toast_tuple_target: staged rows are read once, so stay uncompressed.
        _execute(
            "CREATE TEMPORARY TABLE terms_search_rebuild WITH (toast_tuple_target = 8160) "
            f"AS {self.DOCUMENTS_SELECT}"
        )

    def insert_all_documents(self):
        _execute(self._write_sql("SELECT * FROM terms_search_rebuild"))
        _execute("DROP TABLE terms_search_rebuild")

    # Built once after the bulk insert: far faster than growing them row by row.
    GIN_INDEXES = {
        "terms_searchdocument_vector_gin": "terms_searchdocument",
        "terms_searchtitle_vector_gin": "terms_searchtitle",
    }

    def before_rebuild(self):
        # TRUNCATE and CREATE INDEX refuse to run while foreign key checks wait for the
        # commit: check them as each statement ends until the rebuild is done (all of
        # Django's are deferred, so after_rebuild() deferring them restores the transaction).
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
        _execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name in self.GIN_INDEXES:
            _execute(f"DROP INDEX IF EXISTS {name}")

    def index_documents(self):
        for name, table in self.GIN_INDEXES.items():
            _execute(f"CREATE INDEX {name} ON {table} USING gin (vector)")

    def after_rebuild(self):
        _execute("SET CONSTRAINTS ALL DEFERRED")
        # Fresh statistics, or the planner guesses: without them a typo-key lookup scanned
        # the whole key table (20 ms instead of 1).
        for table in SEARCH_TABLES:
            _execute(f"ANALYZE {table}")

    def after_commit(self):
        # Until VACUUM has visited them, the first search to read each new row records that
        # the rebuild's transaction committed (PostgreSQL's hint bits), dirtying its page,
        # which is then written out again. At 100,000 terms a selective match statement took
        # 6.8-12.2 ms on a fresh index and 3.4-3.8 ms on a vacuumed one; VACUUM takes 0.8 s.
        _execute(f"VACUUM {', '.join(SEARCH_TABLES)}")


SEARCH_TABLES = [
    "terms_searchdocument",
    "terms_searchtitle",
    "terms_searchname",
    "terms_searchword",
    "terms_searchwordkey",
]


def _backend():
    return _Postgres() if connection.vendor == "postgresql" else _Sqlite()


# ---------------------------------------------------------------------------- searching


def search_terms(query, *, category=None, difficulty=None, provider=None):
    """Ranked matches for a reader's query; see the module docstring."""
    text = (query or "").strip()
    parsed = parse(text)
    results = SearchResults(query=text, parsed=parsed)
    if not parsed.clauses:
        return results
    seconds = settings.SEARCH_CACHE_SECONDS
    # Inside a transaction the index may hold changes that are rolled back later.
    cacheable = seconds > 0 and not connection.in_atomic_block
    generation = _generation() if cacheable else None
    if generation is None:
        return _search(results, category, difficulty, provider)
    # The parsed query, not the text: "RAG" and "rag " are one search.
    asked = json.dumps([generation, parsed.clauses, category, difficulty, provider])
    key = "results:" + hashlib.sha256(asked.encode()).hexdigest()
    results.cache_key = key
    cached = _cached(key)
    if cached is not None:
        return replace(results, **cached)
    results = _search(results, category, difficulty, provider)
    _cache(key, {name: getattr(results, name) for name in CACHED_FIELDS}, seconds)
    return results


CACHED_FIELDS = ["ids", "total", "total_capped", "phrase_capped", "facets", "suggestions"]


def _generation():
    """The index's change count, or None when its row is missing (a database flushed by a
    test): then nothing is cached, as nothing would retire it."""
    rows = _rows("SELECT value FROM terms_searchgeneration WHERE id = 1", [])
    return rows[0][0] if rows else None


def _count_change():
    """Retire every cached result when the caller's transaction commits, in every process."""
    _execute(
        "INSERT INTO terms_searchgeneration (id, value) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET value = terms_searchgeneration.value + 1"
    )


def _cached(key):
    # A cache that is down costs the reader speed, never the page.
    try:
        return caches["search"].get(key)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
        return None


def _cache(key, value, seconds):
    try:
        caches["search"].set(key, value, seconds)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)


def _search(results, category, difficulty, provider):
    """Fill in `results` (a parsed query, nothing found yet) from the index."""
    parsed = results.parsed
    filters = Filters.resolve(category, difficulty, provider)
    if filters.impossible:
        return results
    backend = _backend()
    key = parsed.name_key
    # The name matches, the full-text matches (up to one more than are counted; PostgreSQL
    # ranks them too) and the facet labels, in one round trip on PostgreSQL. Every
    # statement that finds a result reads what the facets count in the same row.
    name_rows, found, labels = backend.read_together(
        [
            backend.name_matches_sql(key, filters, facets=True) if key else None,
            backend.matches_sql(parsed, filters, COUNT_LIMIT + 1),
            (FACET_LABELS_SQL, []),
        ]
    )
    found, results.phrase_capped = backend.found(parsed, filters, found)
    named = _name_ranked(name_rows, key)
    fts_ids, name_hits = _fts_ranked(backend, parsed, filters, found, results.phrase_capped)
    seen = set(named)
    results.ids = (named + [pk for pk in fts_ids if pk not in seen])[:MAX_RESULTS]
    results.total_capped = len(found) > COUNT_LIMIT
    if results.total_capped:
        results.total = COUNT_LIMIT + len(seen.difference(fts_ids))
    else:
        # Every match listed, with those the name indexes add (a phrase too common to rank).
        results.total = len(seen.union(fts_ids))
    facet_rows = {row[0]: row[2:] for row in name_rows}
    facet_rows.update((row[0], row[2:]) for row in found)
    facet_rows.update((row[0], row[1:]) for row in name_hits)
    results.facets = _facets(
        [facet_rows[pk] for pk in results.ids], labels, category, difficulty, provider
    )
    if not named:
        needed, known = _needs_suggestions(parsed, results)
        if needed:
            results.suggestions = _did_you_mean(backend, parsed, known)
    return results


def _name_ranked(rows, key):
    """Term ids of name_matches() rows: those whose name or alias is `key` exactly, then
    those that start with it, shortest first."""
    rows = sorted(rows, key=lambda row: (row[1] != key, len(row[1]), row[1]))
    return list(dict.fromkeys(row[0] for row in rows))


def _names_first(backend, key, limit):
    """Ids of up to `limit` terms, any category, named `key` or with a name starting with it
    (see _name_ranked): what "did you mean" and the autocomplete offer first."""
    return _name_ranked(backend.name_matches(key, Filters()), key)[:limit]


def _fts_ranked(backend, parsed, filters, found, phrase_capped):
    """Full-text matches, best first; when too many to rank, the matches in names and
    services first, then the rest of `found` (the first matches) in index order. Also the
    facet rows of those name matches, which `found` may not hold."""
    too_costly = phrase_capped and backend.phrase_rank_reads_all
    if len(found) <= RANK_LIMIT and not too_costly:
        ids = backend.ranked(parsed, filters, found)
        return ids, []
    name_hits = backend.name_hits(parsed, filters, RANK_LIMIT) or []
    seen = {row[0] for row in name_hits}
    ranked = [row[0] for row in name_hits] + [row[0] for row in found if row[0] not in seen]
    return ranked[:MAX_RESULTS], name_hits


def _facets(rows, label_rows, category, difficulty, provider):
    """Facet counts over (category_id, difficulty, providers) rows, one per result, labelled
    from FACET_LABELS_SQL's rows."""
    by_category, difficulties, by_provider = Counter(), Counter(), Counter()
    # Counted in C; results share a few hundred combinations at most, each split once.
    for (category_id, level, providers), count in Counter(rows).items():
        by_category[category_id] += count
        difficulties[level] += count
        for pk in filter(None, providers.split(",")):
            by_provider[int(pk)] += count
    labels = {"c": [], "p": []}
    counted = {"c": by_category, "p": by_provider}
    for kind, pk, slug, label, position in label_rows:
        if pk in counted[kind]:
            labels[kind].append((position, label, pk, slug))
    categories = sorted(labels["c"], key=lambda row: (-by_category[row[2]], row[1]))
    return {
        "category": [
            Facet(slug, name, by_category[pk], slug == category) for _, name, pk, slug in categories
        ],
        "difficulty": [
            Facet(value, label, difficulties[value], value == difficulty)
            for value, label in Difficulty.choices
            if value in difficulties
        ],
        "provider": [
            Facet(slug, name, by_provider[pk], slug == provider)
            for _, name, pk, slug in sorted(labels["p"])
        ],
    }


# ---------------------------------------------------------------------------- did you mean


def _needs_suggestions(parsed, results):
    """Whether there is no good hit (nothing found, or little found while a word is unknown),
    and what _vocabulary() said of the query words when they had to be looked up."""
    if results.total == 0:
        return True, None
    words = {w for w in parsed.words if len(w) >= 4}
    if not words or results.total > 20:
        return False, None
    vocabulary = _vocabulary(words)
    return bool(words - vocabulary[0]), vocabulary


def _did_you_mean(backend, parsed, vocabulary=None, limit=3):
    words = parsed.words
    if not words:
        return []
    _, candidates = vocabulary if vocabulary is not None else _vocabulary(words)
    corrected, changed = [], False
    for word in words:
        better = _closest_word(backend, word, candidates[word]) if word in candidates else None
        changed |= better is not None
        corrected.append(better or word)
    if not changed:
        return []
    key = " ".join(corrected)
    ids = _names_first(backend, key, limit)
    if len(ids) < limit:
        query = Query([("word", [w]) for w in corrected])
        more = backend.name_ids(query, Filters(), limit)
        ids += [pk for pk in more if pk not in ids][: limit - len(ids)]
    terms = _load_terms(ids)
    return [
        Suggestion(terms[pk].name, terms[pk].slug, terms[pk].get_absolute_url())
        for pk in ids
        if pk in terms
    ]


def _correctable(word):
    return len(word) >= 4 and word.isalpha()


def _allowed_edits(word):
    return 1 if len(word) <= 5 else 2


def _closest_word(backend, word, candidates):
    """The vocabulary word nearest `word` by edit distance, if it is near enough."""
    allowed = _allowed_edits(word)
    best = _nearest(word, candidates, allowed)
    if best is None and allowed == 2:
        # Two letters missing from the word are beyond the keys (one deletion per word):
        # fall back to the slower trigram neighbours.
        best = _nearest(word, backend.similar_words(word), allowed)
    return best


def _nearest(word, candidates, allowed):
    best = None
    for candidate in candidates:
        distance = edit_distance(word, candidate, allowed)
        if distance <= allowed and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best[1] if best else None


def deletions(word, depth=1):
    """`word` and every string made from it by deleting up to `depth` letters."""
    found, edge = {word}, {word}
    for _ in range(depth):
        edge = {w[:i] + w[i + 1 :] for w in edge for i in range(len(w))} - found
        found |= edge
    return found


def _key_candidates(words):
    """{word: vocabulary words sharing a deletion key with it}: every word within one edit of
    it (and within two, but for two letters missing), for all `words` in one indexed lookup."""
    keys = {word: deletions(word, _allowed_edits(word)) for word in words}
    wanted = sorted(set().union(*keys.values()))
    if not wanted:
        return {}
    marks = ", ".join(["%s"] * len(wanted))
    sql = f"SELECT key, word FROM terms_searchwordkey WHERE key IN ({marks})"
    by_key = {}
    for key, word in _rows(sql, wanted):
        by_key.setdefault(key, set()).add(word)
    return {
        word: set().union(*(by_key.get(key, ()) for key in word_keys))
        for word, word_keys in keys.items()
    }


def _vocabulary(words):
    """(the query words the vocabulary knows, {each other correctable word: its candidate
    corrections}), from one lookup: every vocabulary word is stored under its own key too.
    Words that are not correctable (short, or not all letters) are never in it."""
    words = [w for w in dict.fromkeys(words) if _correctable(w)]
    candidates = _key_candidates(words)
    known = {w for w in words if w in candidates[w]}
    return known, {w: found for w, found in candidates.items() if w not in known}


def edit_distance(a, b, limit):
    """Damerau-Levenshtein (optimal string alignment) distance; limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# ---------------------------------------------------------------------------- API, autocomplete


class _Position(Func):
    """A number ordering rows like the list of ids (1 = first; NULL when absent)."""

    output_field = IntegerField()

    def __init__(self, ids):
        self.ids = list(ids)
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"array_position(%s::bigint[], {column})", [self.ids, *params]
        # Byte offset of ",id," in ",3,1,2,": ordered like the list, and one C-level scan.
        listed = "," + ",".join(map(str, self.ids)) + ","
        return f"NULLIF(instr(%s, ',' || {column} || ','), 0)", [listed, *params]


def rank_queryset(queryset, query):
    """`queryset` narrowed to the matches of `query`, annotated `search_rank`, best first."""
    ids = search_terms(query).ids
    return queryset.filter(pk__in=ids).annotate(search_rank=_Position(ids)).order_by("search_rank")


def suggest(prefix, limit=8):
    """Autocomplete: names and aliases starting with `prefix`, then names with such a word."""
    parsed = parse(prefix)
    key = name_key(prefix or "")[:MAX_QUERY_CHARS]
    if not key:
        return []
    backend = _backend()
    ids = _names_first(backend, key, limit)
    if len(ids) < limit and parsed.positive:
        words = parsed.words
        query = Query([("word", [w]) for w in words[:-1]] + [("prefix", words[-1:])])
        more = _fts_ranked_names(backend, query, limit * 2)
        ids += [pk for pk in more if pk not in ids][: limit - len(ids)]
    terms = _load_terms(ids)
    return [
        {
            "name": terms[pk].name,
            "slug": terms[pk].slug,
            "url": terms[pk].get_absolute_url(),
            "category": terms[pk].category.name,
        }
        for pk in ids
        if pk in terms
    ]


def _fts_ranked_names(backend, query, limit):
    """Up to `limit` ids of matches in names and services: ranked when there are few enough
    to rank (as search ranks them), else the first in index order."""
    hits = backend.name_hits(query, Filters(), RANK_LIMIT)
    if hits is None:
        return backend.name_ids(query, Filters(), limit, ranked=False)
    return [row[0] for row in hits[:limit]]


# ---------------------------------------------------------------------------- indexing

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
    """Bring the index up to date for these terms, in the caller's transaction."""
    ids = sorted({int(pk) for pk in term_ids if pk is not None})
    if not ids:
        return
    if getattr(_state, "depth", 0):
        _state.pending.update(ids)
        return
    backend = _backend()
    with transaction.atomic():
        for chunk in batched(ids, BATCH):
            _write(backend, list(chunk))
        _count_change()


def rebuild_index():
    """Rebuild the whole index from the terms; returns the number of terms indexed."""
    backend = _backend()
    with transaction.atomic():
        backend.prepare_documents()
        sources = _name_sources(None)
        backend.before_rebuild()
        backend.empty(SEARCH_TABLES)
        backend.insert_all_documents()
        # Working out names, words and typo keys is Python's work, and building the document
        # indexes the database's, on one core: the two run side by side (the thread does not
        # touch the database).
        with ThreadPoolExecutor(max_workers=1) as pool:
            name_rows = pool.submit(_name_rows, *sources)
            backend.index_documents()
        _insert_names(backend, *name_rows.result(), fresh=True)
        backend.after_rebuild()
        _count_change()
        transaction.on_commit(backend.after_commit)
    return len(sources[0])


def _write(backend, ids):
    """Replace the index entries of these terms (dropping those of deleted terms)."""
    in_ids, param = backend.in_ids(ids)
    for table in [*backend.DOCUMENT_TABLES, "terms_searchname"]:
        _execute(f"DELETE FROM {table} WHERE term_id {in_ids}", [param])
    backend.write_documents(f"WHERE t.id {in_ids}", [param])
    _insert_names(backend, *_name_rows(*_name_sources(ids)), fresh=False)


def _name_sources(ids):
    """(pk, name, aliases) of these terms (None: every term), and their service names."""
    # Unordered: the services' default order joins their providers. At 100,000 terms the
    # rebuild read 400,000 service names in 1.4-2.1 s that way, and in 0.2 s unordered.
    terms, services = Term.objects.order_by(), ProviderEquivalent.objects.order_by()
    if ids is not None:
        terms, services = terms.filter(pk__in=ids), services.filter(term_id__in=ids)
    return (
        list(terms.values_list("pk", "name", "aliases")),
        list(services.values_list("service", flat=True)),
    )


def _name_rows(terms, services):
    """The SearchName rows of these terms, and the words of their names and services."""
    names, words = [], set()
    for pk, name, aliases in terms:
        aliases = [a for a in (aliases or []) if isinstance(a, str) and a.strip()]
        keys = {}
        for label, is_alias in _name_variants(name, aliases):
            key = name_key(label)[:300]
            if key and key not in keys:
                keys[key] = (pk, key, label[:300], is_alias)
        names += keys.values()
        words.update(*(tokens(text) for text in [name, *aliases]))
    for service in services:
        words.update(tokens(service))
    return names, {w for w in words if 3 <= len(w) <= 100 and w.isalpha()}


def _insert_names(backend, names, words, fresh):
    """Add SearchNames, and the words not yet in the vocabulary with their typo keys.
    `fresh`: the tables were emptied in this transaction."""
    backend.insert("terms_searchname", ("term_id", "key", "label", "is_alias"), names, fresh)
    if not fresh:
        # Words are only ever added, so only new ones need their typo keys.
        for chunk in batched(sorted(words), 5_000):
            words -= set(SearchWord.objects.filter(word__in=chunk).values_list("word", flat=True))
    words = sorted(words)
    backend.insert("terms_searchword", ("word",), [(w,) for w in words], fresh)
    keys = [(key, word) for word in words for key in deletions(word)]
    backend.insert("terms_searchwordkey", ("key", "word"), keys, fresh)


def _name_variants(name, aliases):
    """The name, its aliases, and for "Long Name (ABBR)" both "Long Name" and "ABBR"."""
    yield name, False
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", name)
    if match:
        yield match.group(1), False
        yield match.group(2), True
    for alias in aliases:
        yield alias, True


# ---------------------------------------------------------------------------- signals


def _deleting_term(origin):
    """Whether a delete started from terms (their own documents go with them)."""
    return isinstance(origin, Term) or (isinstance(origin, QuerySet) and origin.model is Term)


def _term_saved(sender, instance, raw=False, **kwargs):
    reindex_terms([instance.pk])


def _term_deleted(sender, instance, **kwargs):
    # Its index rows went with it (foreign key cascade); results that listed it must go too.
    _count_change()


def _child_changed(sender, instance, origin=None, **kwargs):
    if _deleting_term(origin):
        return
    reindex_terms([instance.term_id])


def _category_saved(sender, instance, created=False, **kwargs):
    if not created:
        reindex_terms(instance.terms.values_list("pk", flat=True))


def _provider_saved(sender, instance, created=False, **kwargs):
    if not created:
        reindex_terms(instance.equivalents.values_list("term_id", flat=True))


def _tune_sqlite(sender, connection, **kwargs):
    # Index reads through a memory map rather than read() calls: about a third faster at 100k.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size = 1073741824")


connection_created.connect(_tune_sqlite, dispatch_uid="search_tune_sqlite")
post_save.connect(_term_saved, sender=Term, dispatch_uid="search_term_saved")
post_delete.connect(_term_deleted, sender=Term, dispatch_uid="search_term_deleted")
for _child in (UseCase, FAQ, ProviderEquivalent):
    post_save.connect(_child_changed, sender=_child, dispatch_uid=f"search_{_child.__name__}_saved")
    post_delete.connect(
        _child_changed, sender=_child, dispatch_uid=f"search_{_child.__name__}_deleted"
    )
post_save.connect(_category_saved, sender=Category, dispatch_uid="search_category_saved")
post_save.connect(_provider_saved, sender=Provider, dispatch_uid="search_provider_saved")

__all__ = [
    "MAX_RESULTS",
    "Facet",
    "Hit",
    "SearchResults",
    "Suggestion",
    "indexing_deferred",
    "rank_queryset",
    "rebuild_index",
    "reindex_terms",
    "search_terms",
    "suggest",
]
