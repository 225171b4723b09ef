"""SQLite: FTS5 over the search documents, ranked by bm25 with column weights.

Three external-content FTS5 tables read the index tables: one over the documents' text, a
small one over their names and services (a common word's name matches are found there
without reading its every position in the full index), and a trigram one over the
vocabulary for "did you mean". Triggers keep the first two in step with the documents, in
the writer's transaction. Settings add `PRAGMA mmap_size` to each connection
(`init_command`): index reads go through a memory map rather than read() calls.
"""

import json

from terms.search import query as bounds
from terms.search.backends.base import (
    DOCUMENTS,
    FACET_COLUMNS,
    INDEX_TABLES,
    LABELS_SQL,
    NAMES,
    TERMS,
    WORDS,
    Backend,
    DocumentText,
    Found,
    Label,
    Match,
    NameMatch,
    alongside,
    execute,
    named,
    published_terms,
    rows,
)

DOCUMENTS_FTS = f"{DOCUMENTS}_fts"
TITLES_FTS = f"{DOCUMENTS}_titles_fts"  # names and services alone
WORDS_FTS = f"{WORDS}_fts"
TEXT_COLUMNS = ["names", "services", "definition", "body"]
TITLE_COLUMNS = ["names", "services"]
TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'"


def _fts_table(name, columns, weights):
    """An external-content FTS5 table over the documents, ranked by bm25 with `weights`,
    and filled from them (a no-op on an empty table)."""
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, "
        f"content='{DOCUMENTS}', content_rowid='term_id', {TOKENIZE})",
        f"INSERT INTO {name}({name}, rank) VALUES('rank', 'bm25({weights})')",
        f"INSERT INTO {name}({name}) VALUES('rebuild')",
    ]


def _fts_rows(action, row):
    """Trigger statements adding (`action` "add") or deleting the document `row` ("old" or
    "new") from both FTS5 tables."""
    statements = []
    for table, columns in ((DOCUMENTS_FTS, TEXT_COLUMNS), (TITLES_FTS, TITLE_COLUMNS)):
        values = ", ".join(f"{row}.{column}" for column in ["term_id", *columns])
        if action == "add":
            statements.append(
                f"INSERT INTO {table}(rowid, {', '.join(columns)}) VALUES ({values});"
            )
        else:
            statements.append(
                f"INSERT INTO {table}({table}, rowid, {', '.join(columns)}) "
                f"VALUES ('delete', {values});"
            )
    return " ".join(statements)


class SqliteText(DocumentText):
    newline = "char(10)"
    distinct_ids = "group_concat(DISTINCT e.provider_id)"

    def json_items(self, column, alias):
        array = f"CASE WHEN json_type({column}) = 'array' THEN {column} ELSE '[]' END"
        return f"json_each({array}) {alias}", f"{alias}.key"

    def joined(self, expression, separator, source, order):
        # SQLite before 3.44 has no ORDER BY inside an aggregate: the rows come ordered from
        # a subquery, which group_concat() keeps.
        ordered = f" ORDER BY {order}" if order else ""
        return (
            f"(SELECT group_concat(x, {separator}) FROM "
            f"(SELECT {expression} AS x FROM {source}{ordered}))"
        )


class SqliteBackend(Backend):
    vendor = "sqlite"
    text = SqliteText()
    # A covering index: the document rows are wide and their facet columns come last.
    facets_from = f"{DOCUMENTS} d INDEXED BY {DOCUMENTS}_facets"
    SCHEMA = {
        DOCUMENTS_FTS: _fts_table(DOCUMENTS_FTS, TEXT_COLUMNS, "10.0, 5.0, 2.0, 1.0"),
        TITLES_FTS: _fts_table(TITLES_FTS, TITLE_COLUMNS, "10.0, 5.0"),
        f"{DOCUMENTS}_facets": [
            f"CREATE INDEX {DOCUMENTS}_facets "
            f"ON {DOCUMENTS} (term_id, category_id, difficulty, providers)"
        ],
        f"{NAMES}_key": [f"CREATE INDEX {NAMES}_key ON {NAMES} (key)"],
        WORDS_FTS: [
            f"CREATE VIRTUAL TABLE {WORDS_FTS} USING fts5(word, content='{WORDS}', "
            "tokenize='trigram')",
            f"INSERT INTO {WORDS_FTS}({WORDS_FTS}) VALUES('rebuild')",
        ],
        f"{DOCUMENTS}_ai": [
            f"CREATE TRIGGER {DOCUMENTS}_ai AFTER INSERT ON {DOCUMENTS} BEGIN "
            f"{_fts_rows('add', 'new')} END"
        ],
        f"{DOCUMENTS}_ad": [
            f"CREATE TRIGGER {DOCUMENTS}_ad AFTER DELETE ON {DOCUMENTS} BEGIN "
            f"{_fts_rows('delete', 'old')} END"
        ],
        # Only the text columns: writing the facet columns does not reindex the text.
        f"{DOCUMENTS}_au": [
            f"CREATE TRIGGER {DOCUMENTS}_au AFTER UPDATE OF {', '.join(TEXT_COLUMNS)} "
            f"ON {DOCUMENTS} BEGIN {_fts_rows('delete', 'old')} {_fts_rows('add', 'new')} END"
        ],
        # Words are only ever added (a rebuild empties the table with its triggers gone).
        f"{WORDS}_ai": [
            f"CREATE TRIGGER {WORDS}_ai AFTER INSERT ON {WORDS} BEGIN "
            f"INSERT INTO {WORDS_FTS}(rowid, word) VALUES (new.rowid, new.word); END"
        ],
    }
    KINDS = {DOCUMENTS_FTS: "TABLE", TITLES_FTS: "TABLE", WORDS_FTS: "TABLE"}

    def drop_statement(self, name):
        if name in self.KINDS:
            return f"DROP TABLE IF EXISTS {name}"
        kind = "TRIGGER" if name.endswith(("_ai", "_ad", "_au")) else "INDEX"
        return f"DROP {kind} IF EXISTS {name}"

    # ------------------------------------------------------------------ searching

    @staticmethod
    def _phrase(words):
        return '"' + " ".join(words) + '"'

    def _match(self, query):
        """The query as an FTS5 MATCH expression, or None when it requires nothing."""
        positive = [
            self._phrase(c.words) + (" *" if c.kind == "prefix" else "") for c in query.positive
        ]
        if not positive:
            return None
        expression = " AND ".join(positive)
        for clause in query.negative:
            expression += " NOT " + self._phrase(clause.words)
        return expression

    def _where(self, query, filters, table, before=None):
        """(WHERE clause, params) for the rows of FTS5 `table` that match `query`; with
        `before`, only terms with a lower id."""
        where, params = filters.sql(f"{table}.rowid")
        if before is not None:
            where += f" AND {table}.rowid < %s"
            params.append(before)
        return f"{table} MATCH %s{where}", [self._match(query), *params]

    def _phrase_cutoff(self, query, filters):
        """For a query with a phrase that more than PHRASE_CANDIDATES terms have all the
        words of, the id of the first term beyond those (FTS5 reads matches in id order)."""
        if not query.has_phrase:
            return None
        where, params = self._where(query.relaxed, filters, DOCUMENTS_FTS)
        found = rows(
            f"SELECT rowid FROM {DOCUMENTS_FTS} WHERE {where} ORDER BY rowid LIMIT 1 OFFSET %s",
            [*params, bounds.PHRASE_CANDIDATES],
        )
        return found[0][0] if found else None

    def find(self, query, filters, key, labels=True):
        names = rows(*self.name_matches_sql(key, filters)) if key else []
        matches, cutoff = [], None
        if query.positive:
            cutoff = self._phrase_cutoff(query, filters)
            where, params = self._where(query, filters, DOCUMENTS_FTS, before=cutoff)
            # Unranked: bm25 costs more than finding the match, and is thrown away when
            # more than RANK_LIMIT match. ranked() ranks the others.
            matches = rows(
                f"SELECT {DOCUMENTS_FTS}.rowid, NULL, {FACET_COLUMNS} FROM {DOCUMENTS_FTS} "
                f"JOIN {self.facets_from} ON d.term_id = {DOCUMENTS_FTS}.rowid "
                f"WHERE {where} LIMIT %s",
                [*params, bounds.COUNT_LIMIT + 1],
            )
        return Found(
            names=named(NameMatch, names),
            matches=named(Match, matches),
            labels=named(Label, rows(LABELS_SQL)) if labels else [],
            phrase_capped=cutoff is not None,
        )

    def ranked(self, query, filters, found):
        if found.phrase_capped:
            # bm25 weighs a phrase by how many terms have it, counted over the whole index.
            return None
        if len(found.matches) < 2:
            return [match.term_id for match in found.matches]
        where, params = self._where(query, filters, DOCUMENTS_FTS)
        ranked = rows(
            f"SELECT rowid FROM {DOCUMENTS_FTS} WHERE {where} ORDER BY rank, rowid", params
        )
        # Only what the match statement found; one written between the two reads has no
        # rank: last.
        matched = {match.term_id for match in found.matches}
        ids = [row[0] for row in ranked if row[0] in matched]
        return ids + sorted(matched.difference(ids)) if len(ids) < len(matched) else ids

    def _name_hits(self, query, filters, limit):
        # Counting first is cheap on the names index, and ranking more than `limit` is not.
        where, params = self._where(query, filters, TITLES_FTS)
        counted = f"SELECT count(*) FROM (SELECT 1 FROM {TITLES_FTS} WHERE {where} LIMIT %s)"
        if rows(counted, [*params, limit + 1])[0][0] > limit:
            return None
        hits = rows(
            f"SELECT {TITLES_FTS}.rowid, {TITLES_FTS}.rank, {FACET_COLUMNS} FROM {TITLES_FTS} "
            f"JOIN {self.facets_from} ON d.term_id = {TITLES_FTS}.rowid WHERE {where} "
            "ORDER BY rank LIMIT %s",
            [*params, limit],
        )
        return named(Match, hits)

    def _name_ids(self, query, filters, limit, ranked):
        where, params = self._where(query, filters, TITLES_FTS)
        order = " ORDER BY rank" if ranked else ""
        sql = f"SELECT rowid FROM {TITLES_FTS} WHERE {where}{order} LIMIT %s"
        return [row[0] for row in rows(sql, [*params, limit])]

    def excluded(self, ids, query):
        match = " OR ".join(self._phrase(clause.words) for clause in query.negative)
        in_ids, param = self.in_ids(ids)
        found = rows(
            f"SELECT rowid FROM {DOCUMENTS_FTS} WHERE {DOCUMENTS_FTS} MATCH %s AND rowid {in_ids}",
            [match, param],
        )
        return {row[0] for row in found}

    def similar_words(self, word, limit=30):
        grams = {word[i : i + 3] for i in range(len(word) - 2)}
        if not grams:
            return []
        match = " OR ".join(f'"{gram}"' for gram in sorted(grams))
        found = rows(
            f"SELECT word FROM {WORDS_FTS} WHERE {WORDS_FTS} MATCH %s ORDER BY rank LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in found]

    def in_ids(self, ids):
        return "IN (SELECT value FROM json_each(%s))", json.dumps(list(ids))

    def ordered_by(self, ids):
        # The byte offset of ",id," in ",3,1,2,": ordered like the list, in one C-level scan.
        listed = "," + ",".join(map(str, ids)) + ","
        return "NULLIF(instr(%s, ',' || {column} || ','), 0)", [listed]

    # ------------------------------------------------------------------ indexing

    def write_documents(self, ids=None):
        names, services, body, providers = self.text.columns("t")
        public, params = published_terms()
        where = f" WHERE {public}"
        if ids is not None:
            in_ids, param = self.in_ids(ids)
            where, params = f"{where} AND t.id {in_ids}", [*params, param]
        execute(
            f"INSERT INTO {DOCUMENTS} (term_id, names, services, definition, body, "
            "category_id, difficulty, providers) "
            f"SELECT t.id, {names}, {services}, t.definition, {body}, t.category_id, "
            f"t.difficulty, {providers} FROM {TERMS} t{where}",
            params,
        )

    def rebuild(self, read_names):
        # Every FTS5 table, index and trigger goes and comes back: the triggers would index
        # every document twice, and each FTS5 table is built in one pass over its content.
        self.drop_schema(list(self.SCHEMA))
        for table in INDEX_TABLES:
            execute(f"DELETE FROM {table}")
        names = read_names()
        self.write_documents()
        documents = [DOCUMENTS_FTS, TITLES_FTS, f"{DOCUMENTS}_facets", f"{NAMES}_key"]
        # Names, words and typo keys are Python's work, the FTS5 indexes SQLite's.
        with alongside(names.rows) as pending:
            self.create_schema(documents)
        self.insert_names(*pending.result(), fresh=True)
        self.create_schema([name for name in self.SCHEMA if name not in documents])
        return len(names.terms)
