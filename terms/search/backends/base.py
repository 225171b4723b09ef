"""The contract between the search engine and a database backend, and what they share.

A backend owns all of its database's search code: its queries, the SQL that builds a term's
searchable text (from `DocumentText`, defined once here), its schema (`SCHEMA`) and its
rebuild. The engine passes it parsed queries and `Filters`, and gets rows back as the named
tuples below.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import batched
from operator import itemgetter
from typing import NamedTuple

from django.core.validators import slug_re
from django.db import connection
from django.utils import timezone

from terms.models import (
    FAQ,
    Category,
    Difficulty,
    Provider,
    ProviderEquivalent,
    Status,
    Term,
    UseCase,
)
from terms.search import query as bounds
from terms.search.models import SearchDocument, SearchName, SearchTitle, SearchWord, SearchWordKey

# Table names, for the raw SQL that the search's speed targets need.
TERMS = Term._meta.db_table
CATEGORIES = Category._meta.db_table
PROVIDERS = Provider._meta.db_table
EQUIVALENTS = ProviderEquivalent._meta.db_table
USE_CASES = UseCase._meta.db_table
FAQS = FAQ._meta.db_table
DOCUMENTS = SearchDocument._meta.db_table
TITLES = SearchTitle._meta.db_table
NAMES = SearchName._meta.db_table
WORDS = SearchWord._meta.db_table
WORD_KEYS = SearchWordKey._meta.db_table
INDEX_TABLES = [DOCUMENTS, TITLES, NAMES, WORDS, WORD_KEYS]

FACET_COLUMNS = "d.category_id, d.difficulty, d.providers"
# Every category's and provider's facet label: a few dozen rows, read in the same round trip
# as the matches rather than after them. Providers in their column order.
LABELS_SQL = (
    f"SELECT 'c', id, slug, name, 0 FROM {CATEGORIES} UNION ALL "
    f"SELECT 'p', id, slug, short_name, position FROM {PROVIDERS}"
)


class Match(NamedTuple):
    """A term a query matches: `rank` lower is better (None: not ranked yet), then what the
    facets count."""

    term_id: int
    rank: float | None
    category_id: int
    difficulty: str
    providers: str  # ",1,3,"

    # (category_id, difficulty, providers): what the facets count.
    facets = property(itemgetter(2, 3, 4))


class NameMatch(NamedTuple):
    """A term with a name or alias whose key starts with the one asked for."""

    term_id: int
    key: str
    category_id: int
    difficulty: str
    providers: str

    facets = property(itemgetter(2, 3, 4))


def named(row_type, rows):
    """`rows` (plain tuples from a cursor) as `row_type` named tuples."""
    # tuple.__new__ directly: _make() is a Python call per row, and a search reads a
    # thousand rows (target: selective search p95 ≤ 10 ms at 100,000 terms).
    return list(map(partial(tuple.__new__, row_type), rows))


class Label(NamedTuple):
    """A facet's label: `kind` "c" (category) or "p" (provider)."""

    kind: str
    pk: int
    slug: str
    name: str
    position: int


@dataclass
class Found:
    """What one search read: name matches, the first full-text matches (unranked, up to
    the limit asked), the facet labels, and whether a phrase was looked for in the first
    PHRASE_CANDIDATES terms with all its words only."""

    names: list[NameMatch]
    matches: list[Match]
    labels: list[Label]
    phrase_capped: bool = False


def slug_pk(model, slug):
    """The pk of the `model` with this slug, None when there is none; text that no slug can
    be is not looked up (PostgreSQL refuses text holding a NUL byte)."""
    if not slug_re.match(slug):
        return None
    return model.objects.filter(slug=slug).values_list("pk", flat=True).first()


@dataclass
class Filters:
    """A search narrowed by category, difficulty and provider."""

    category_id: int | None = None
    difficulty: str | None = None
    provider_id: int | None = None
    impossible: bool = False  # a value that names nothing: no term can match

    @classmethod
    def resolve(cls, category=None, difficulty=None, provider=None):
        filters = cls()
        if category:
            filters.category_id = slug_pk(Category, category)
            filters.impossible |= filters.category_id is None
        if difficulty:
            filters.difficulty = difficulty
            filters.impossible |= difficulty not in Difficulty.values
        if provider:
            filters.provider_id = slug_pk(Provider, provider)
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
            where.append(f"EXISTS (SELECT 1 FROM {TERMS} t WHERE {' AND '.join(conditions)})")
            params += values
        if self.provider_id is not None:
            where.append(
                f"EXISTS (SELECT 1 FROM {EQUIVALENTS} pe "
                f"WHERE pe.term_id = {id_column} AND pe.provider_id = %s)"
            )
            params.append(self.provider_id)
        return "".join(f" AND {w}" for w in where), params


def published_terms(term="t"):
    """(SQL condition, params): the term row `term` is published and out of the trash
    (TermQuerySet.published()).
    Only published terms are indexed, so nothing a search, autocomplete or "did you mean"
    returns can name a draft."""
    return (
        f"({term}.status = %s OR {term}.publish_at <= %s) AND {term}.deleted_at IS NULL",
        [Status.PUBLISHED, timezone.now()],
    )


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class DocumentText:
    """What a term's searchable text is, once for both databases; a backend renders it in
    its dialect. Lists come in editorial (position) order, so snippets quote the same
    passage on either database.

    - names: the name, then its aliases, " · " between them;
    - services: "AWS: Amazon SageMaker AI (its note) / former name · Azure: ...";
    - body: use cases ("org: title. description outcome") and FAQs ("question answer"), a
      line each, then the category's name;
    - providers: the provider ids the provider facet counts, ",1,3,".
    """

    # Dialect pieces a backend sets: the items of a JSON array, rows' text joined in
    # order, the newline, and the distinct provider ids joined by commas.
    def json_items(self, column, alias):
        """(FROM item whose rows have `alias`.value, the SQL that orders them as listed)."""
        raise NotImplementedError

    def joined(self, expression, separator, source, order):
        """SQL joining `expression` over the rows of `source` (FROM … [WHERE …]) in
        `order`; NULL when there are none."""
        raise NotImplementedError

    newline = ""
    distinct_ids = ""

    def columns(self, term="t"):
        """(names, services, body, providers) as SQL expressions over the term row `term`."""
        aliases, alias_order = self.json_items(f"{term}.aliases", "a")
        former, former_order = self.json_items("e.former_names", "f")
        former_names = self.joined("f.value", "' / '", former, former_order)
        services = self.joined(
            "p.short_name || ': ' || e.service "
            "|| CASE WHEN e.note = '' THEN '' ELSE ' (' || e.note || ')' END "
            f"|| coalesce(' / ' || {former_names}, '')",
            "' · '",
            f"{EQUIVALENTS} e JOIN {PROVIDERS} p ON p.id = e.provider_id "
            f"WHERE e.term_id = {term}.id",
            "e.position, e.id",
        )
        use_cases = self.joined(
            "u.organization || ': ' || u.title || '. ' || u.description || ' ' || u.outcome",
            self.newline,
            f"{USE_CASES} u WHERE u.term_id = {term}.id",
            "u.position, u.id",
        )
        faqs = self.joined(
            "q.question || ' ' || q.answer",
            self.newline,
            f"{FAQS} q WHERE q.term_id = {term}.id",
            "q.position, q.id",
        )
        return (
            f"{term}.name || coalesce(' · ' || {self.joined('a.value', "' · '", aliases, alias_order)}, '')",
            f"coalesce({services}, '')",
            f"coalesce({use_cases} || {self.newline}, '') "
            f"|| coalesce({faqs} || {self.newline}, '') "
            f"|| (SELECT c.name FROM {CATEGORIES} c WHERE c.id = {term}.category_id)",
            f"coalesce((SELECT ',' || {self.distinct_ids} || ',' FROM {EQUIVALENTS} e "
            f"WHERE e.term_id = {term}.id), '')",
        )


class Backend:
    """The whole contract a database backend fulfils for the engine and the indexer."""

    vendor = ""
    text = DocumentText()  # the backend's dialect of the searchable text
    # Where a name match's facet values are read from (joined as `d`), and the collation
    # that makes a key prefix one index range.
    facets_from = DOCUMENTS + " d"
    key_collate = ""
    # Tables write_documents() fills, a row per term.
    document_tables = [DOCUMENTS]
    # Every index, trigger, function and virtual table the backend adds to the tables of
    # terms/search/models.py: {name: [statements creating it]}, in this order, by a fresh
    # `migrate` (migration 0003, which freezes this text) and by rebuild().
    SCHEMA = {}

    # ------------------------------------------------------------------ searching

    def find(self, query, filters, key):
        """Found for `query`: names starting with `key` (none when it is empty), full-text
        matches up to COUNT_LIMIT + 1, and the labels."""
        raise NotImplementedError

    def ranked(self, query, filters, found):
        """Ids of `found.matches`, best first (ties by id); None when ranking them would
        read more than those matches (then name and service matches go first)."""
        raise NotImplementedError

    def name_hits(self, query, filters, limit):
        """The matches in names and services, best first, as Match rows; None when more
        than `limit` match, too many to rank."""
        if not query.positive:
            return []
        hits = self._name_hits(query, filters, limit)
        return self._without_excluded(hits, query, key=lambda hit: hit.term_id)

    def name_ids(self, query, filters, limit, ranked=True):
        """Ids of up to `limit` matches in names and services: the best (ranking them all),
        or with `ranked=False` the first in index order."""
        if not query.positive:
            return []
        ids = self._name_ids(query, filters, limit, ranked)
        return self._without_excluded(ids, query, key=lambda pk: pk)

    # The index of names and services alone cannot tell that a term has an excluded word
    # elsewhere: its documents are asked afterwards.

    def _name_hits(self, query, filters, limit):
        raise NotImplementedError

    def _name_ids(self, query, filters, limit, ranked):
        raise NotImplementedError

    def excluded(self, ids, query):
        """Those of these term ids whose document matches one of the query's excluded
        clauses."""
        raise NotImplementedError

    def _without_excluded(self, items, query, key):
        if not (items and query.negative):
            return items
        excluded = self.excluded([key(item) for item in items], query)
        return [item for item in items if key(item) not in excluded]

    def name_matches_sql(self, key, filters, limit=None, facets=True):
        """(sql, params) of NameMatch rows (facet columns NULL without `facets`): names and
        aliases starting with `key`, in key order."""
        where, params = filters.sql("n.term_id")
        columns, joined = "n.term_id, n.key, NULL, NULL, NULL", ""
        if facets:
            columns = f"n.term_id, n.key, {FACET_COLUMNS}"
            joined = f" JOIN {self.facets_from} ON d.term_id = n.term_id"
        collate = self.key_collate
        return (
            f"SELECT {columns} FROM {NAMES} n{joined} "
            f"WHERE n.key{collate} >= %s AND n.key{collate} < %s{where} "
            f"ORDER BY n.key{collate} LIMIT %s",
            [key, key + "\U0010ffff", *params, limit or bounds.NAME_MATCHES],
        )

    def name_matches(self, key, limit=None):
        """NameMatch rows (without facet values) of names and aliases starting with `key`."""
        sql, params = self.name_matches_sql(key, Filters(), limit, facets=False)
        return named(NameMatch, rows(sql, params))

    def similar_words(self, word, limit=30):
        """Vocabulary words sharing the most trigrams with `word`, nearest first."""
        raise NotImplementedError

    def in_ids(self, ids):
        """A condition (to follow a column) and its one parameter: "is one of these ids"."""
        raise NotImplementedError

    def ordered_by(self, ids):
        """(SQL template over one column `{column}`, params): the column's position in
        `ids`, 1 first, NULL when absent (rank_queryset orders by it)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ indexing

    def write_documents(self, ids):
        """Compute and write the documents (and titles) of these terms, those published
        (published_terms())."""
        raise NotImplementedError

    def replace(self, ids, names, words):
        """Replace the index entries of these terms (dropping those of deleted terms);
        `names` and `words` are IndexNames.rows() of the same terms, published ones only."""
        in_ids, param = self.in_ids(ids)
        for table in [*self.document_tables, NAMES]:
            execute(f"DELETE FROM {table} WHERE term_id {in_ids}", [param])
        self.write_documents(ids)
        self.insert_names(names, words, fresh=False)

    def rebuild(self, read_names):
        """Rebuild the whole index and SCHEMA from the terms, in the caller's transaction;
        returns the number of terms. `read_names()` reads every term's IndexNames, whose
        rows() are worked out in Python while the database builds its indexes."""
        raise NotImplementedError

    def after_rebuild_commit(self):
        """What a rebuild does once it has committed, outside any transaction."""

    def insert(self, table, columns, values, fresh=False):
        """Add rows to an index table; rows whose key is already there are skipped.
        `fresh`: the table was emptied in this transaction, so no row can clash."""
        if not values:
            return
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
                "ON CONFLICT DO NOTHING",
                values,
            )

    def insert_names(self, names, words, fresh):
        """Add SearchName rows, and the words not yet in the vocabulary with their typo keys.
        `fresh`: the tables were emptied in this transaction."""
        self.insert(NAMES, ("term_id", "key"), names, fresh)
        words = sorted(words)
        if not fresh:
            # Words are only ever added, so only new ones need their typo keys.
            known = set()
            for chunk in batched(words, 5_000):
                known.update(
                    SearchWord.objects.filter(word__in=chunk).values_list("word", flat=True)
                )
            words = [word for word in words if word not in known]
        self.insert(WORDS, ("word",), [(w,) for w in words], fresh)
        keys = [(key, word) for word in words for key in deletions(word)]
        self.insert(WORD_KEYS, ("key", "word"), keys, fresh)

    def drop_schema(self, names):
        """Drop these SCHEMA objects (they come back by create_schema)."""
        for name in reversed(names):
            if statement := self.drop_statement(name):
                execute(statement)

    def create_schema(self, names):
        for name in names:
            for statement in self.SCHEMA[name]:
                execute(statement)

    def drop_statement(self, name):
        """The statement dropping SCHEMA object `name`, or None for one that is not dropped."""
        raise NotImplementedError


def deletions(word, depth=1):
    """`word` and every string made from it by deleting up to `depth` letters."""
    found, edge = {word}, {word}
    for _ in range(depth):
        edge = {w[:i] + w[i + 1 :] for w in edge for i in range(len(w))} - found
        found |= edge
    return found


@contextmanager
def alongside(work):
    """Run `work` (Python only, no database) in a thread while the caller's block runs;
    yields a future of its result."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(work)
