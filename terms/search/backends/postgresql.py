"""PostgreSQL: a weighted tsvector per document, GIN-indexed and ranked by ts_rank.

Names are weighted A, services B, the definition C and the rest D. A narrow title row per
term (its vector's A and B part, and the facet values) serves a common word's name matches
and facet counts from the buffers, where a document row fills a page. Name keys sort in
byte order ("C" collation), so a prefix is one index range; the vocabulary has a trigram
GiST index for "did you mean". Settings turn `synchronize_seqscans` off on each connection:
a word in most terms lists the first matches a scan reads, and they must be the same on
every request.
"""

from django.db import connection as db

from terms.search import query as bounds
from terms.search.backends.base import (
    DOCUMENTS,
    FACET_COLUMNS,
    INDEX_TABLES,
    LABELS_SQL,
    NAMES,
    TERMS,
    TITLES,
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

TEXTS = "terms_search_texts"  # the SQL function giving a term's searchable texts
STAGED = "terms_search_rebuild"  # a rebuild's documents, computed before the index empties
TEXT_COLUMNS = ["names", "services", "definition", "body", "vector"]


class PostgresText(DocumentText):
    newline = "chr(10)"
    distinct_ids = "string_agg(DISTINCT e.provider_id::text, ',')"

    def json_items(self, column, alias):
        array = f"CASE WHEN jsonb_typeof({column}) = 'array' THEN {column} ELSE '[]' END"
        return (
            f"jsonb_array_elements_text({array}) WITH ORDINALITY AS {alias}(value, n)",
            f"{alias}.n",
        )

    def joined(self, expression, separator, source, order):
        ordered = f" ORDER BY {order}" if order else ""
        return f"(SELECT string_agg({expression}, {separator}{ordered}) FROM {source})"


def _texts_function(text):
    names, services, body, providers = text.columns("t")
    # A function, so that the workers of a parallel rebuild can run its subqueries.
    return (
        f"CREATE OR REPLACE FUNCTION {TEXTS}(t {TERMS}, "
        "OUT names text, OUT services text, OUT body text, OUT providers text) "
        f"LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT {names}, {services}, {body}, "
        f"{providers} $$"
    )


class PostgresBackend(Backend):
    vendor = "postgresql"
    text = PostgresText()
    facets_from = f"{TITLES} d"
    key_collate = ' COLLATE "C"'
    document_tables = [DOCUMENTS, TITLES]
    # SearchRank weights, D to A: names 1.0, services 0.5, definition 0.2, the rest 0.1;
    # the proportions of the bm25 column weights on SQLite.
    WEIGHTS = [0.1, 0.2, 0.5, 1.0]
    TSQUERY = "to_tsquery('english'::regconfig, %s)"  # one parameter: _tsquery()'s text
    RANK = f"ts_rank(%s::float4[], d.vector, {TSQUERY})"  # parameters: WEIGHTS, the text

    SCHEMA = {
        TEXTS: [_texts_function(text)],
        # Ranking reads every match's vector: kept in the row, not out of line, and values
        # compressed with lz4 where the server has it.
        f"{DOCUMENTS}_storage": [
            f"ALTER TABLE {DOCUMENTS} SET (toast_tuple_target = 8160)",
            f"ALTER TABLE {DOCUMENTS} ALTER COLUMN vector SET STORAGE MAIN",
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_settings WHERE name = "
            "'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN "
            f"ALTER TABLE {DOCUMENTS} "
            + ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in TEXT_COLUMNS)
            + "; END IF; END $$",
        ],
        f"{DOCUMENTS}_vector_gin": [
            f"CREATE INDEX {DOCUMENTS}_vector_gin ON {DOCUMENTS} USING gin (vector)"
        ],
        f"{TITLES}_vector_gin": [
            f"CREATE INDEX {TITLES}_vector_gin ON {TITLES} USING gin (vector)"
        ],
        f"{NAMES}_key_c": [f'CREATE INDEX {NAMES}_key_c ON {NAMES} (key COLLATE "C")'],
        # Nearest words by trigram distance, straight from the index.
        f"{WORDS}_trgm_gist": [
            f"CREATE INDEX {WORDS}_trgm_gist ON {WORDS} USING gist (word gist_trgm_ops)"
        ],
    }
    DOCUMENT_INDEXES = [f"{DOCUMENTS}_vector_gin", f"{TITLES}_vector_gin"]
    NAME_INDEXES = [f"{NAMES}_key_c", f"{WORDS}_trgm_gist"]

    def drop_statement(self, name):
        if name == TEXTS:
            return f"DROP FUNCTION IF EXISTS {TEXTS}({TERMS})"
        if name.endswith("_storage"):
            return None  # table settings stay; creating them again sets them again
        return f"DROP INDEX IF EXISTS {name}"

    # ------------------------------------------------------------------ searching

    @staticmethod
    def _phrase(words, prefix=False):
        """Words that follow each other, as to_tsquery() text; `prefix`: the last is one."""
        parts = [f"'{w}'" for w in words]
        if prefix:
            parts[-1] += ":*"
        return "(" + " <-> ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def _tsquery(self, query):
        """The query as to_tsquery('english', …) text, or None when nothing is required."""
        parts = [self._phrase(c.words, c.kind == "prefix") for c in query.positive]
        if not parts:
            return None
        parts += ["!" + self._phrase(c.words) for c in query.negative]
        return " & ".join(parts)

    def _where(self, query, filters, table):
        """(WHERE clause, params) for the rows of `table` (as `d`) matching `query`."""
        where, params = filters.sql("d.term_id")
        return f"d.vector @@ {self.TSQUERY}{where}", [self._tsquery(query), *params]

    # Raw SQL rather than the ORM: compiling the queryset cost as much as running it.
    def _matches_sql(self, query, filters):
        """Up to COUNT_LIMIT + 1 matches, each ranked, with a last column (a phrase's) or
        not (see _found)."""
        limit = bounds.COUNT_LIMIT + 1
        if not query.has_phrase:
            where, params = self._where(query, filters, DOCUMENTS)
            # The facet columns are in the row the match is read from.
            return (
                f"SELECT d.term_id, -{self.RANK}, {FACET_COLUMNS} FROM {DOCUMENTS} d "
                f"WHERE {where} LIMIT %s",
                [self.WEIGHTS, params[0], *params, limit],
            )
        # The terms with all the words, up to one more than PHRASE_CANDIDATES, numbered as
        # read (narrow rows: the order is checked and the rank taken below the numbering);
        # the matches among them, and that one more to say there were more.
        phrase = self._tsquery(query)
        candidates, params = self._where(query.relaxed, filters, DOCUMENTS)
        return (
            "SELECT * FROM (SELECT c.*, row_number() OVER () AS n FROM ("
            f"SELECT d.term_id, CASE WHEN d.vector @@ {self.TSQUERY} THEN -{self.RANK} END "
            f"AS rank, {FACET_COLUMNS} FROM {DOCUMENTS} d WHERE {candidates} LIMIT %s) c) x "
            "WHERE x.rank IS NOT NULL OR x.n > %s LIMIT %s",
            [
                phrase,
                self.WEIGHTS,
                phrase,
                *params,
                bounds.PHRASE_CANDIDATES + 1,
                bounds.PHRASE_CANDIDATES,
                limit,
            ],
        )

    def find(self, query, filters, key, labels=True):
        names, matches, label_rows = self.read_together(
            [
                self.name_matches_sql(key, filters) if key else None,
                self._matches_sql(query, filters) if query.positive else None,
                (LABELS_SQL, []) if labels else None,
            ]
        )
        capped = False
        if query.has_phrase:
            checked = [row[:-1] for row in matches if row[-1] <= bounds.PHRASE_CANDIDATES]
            matches, capped = checked, len(checked) < len(matches)
        return Found(
            names=named(NameMatch, names),
            matches=named(Match, matches),
            labels=named(Label, label_rows),
            phrase_capped=capped,
        )

    def read_together(self, statements):
        """The rows of each (sql, params) statement, in order, in one round trip; no rows
        where a statement is None."""
        asked = [statement for statement in statements if statement]
        if len(asked) < 2 or db.settings_dict["OPTIONS"].get("server_side_binding"):
            return [rows(*statement) if statement else [] for statement in statements]
        # With client-side binding (psycopg's ClientCursor, Django's default) a query string
        # may hold several statements, whose rows come back one result set after another.
        with db.cursor() as cursor:
            cursor.execute(
                "; ".join(sql for sql, _ in asked),
                [param for _, params in asked for param in params],
            )
            results = [cursor.fetchall()]
            while cursor.nextset():
                results.append(cursor.fetchall())
        found = iter(results)
        return [next(found) if statement else [] for statement in statements]

    def ranked(self, query, filters, found):
        # The match statement ranked them already.
        return [match.term_id for match in sorted(found.matches, key=lambda m: (m.rank, m.term_id))]

    def _name_hits(self, query, filters, limit):
        # One read of up to limit + 1 rows, each ranked: counting them first would read
        # them twice.
        where, params = self._where(query, filters, TITLES)
        hits = rows(
            f"SELECT d.term_id, -{self.RANK}, {FACET_COLUMNS} FROM {TITLES} d "
            f"WHERE {where} LIMIT %s",
            [self.WEIGHTS, params[0], *params, limit + 1],
        )
        if len(hits) > limit:
            return None
        return sorted(named(Match, hits), key=lambda hit: (hit.rank, hit.term_id))

    def _name_ids(self, query, filters, limit, ranked):
        where, params = self._where(query, filters, TITLES)
        order = ""
        if ranked:
            order = f" ORDER BY {self.RANK} DESC, d.term_id"
            params += [self.WEIGHTS, params[0]]
        sql = f"SELECT d.term_id FROM {TITLES} d WHERE {where}{order} LIMIT %s"
        return [row[0] for row in rows(sql, [*params, limit])]

    def excluded(self, ids, query):
        found = rows(
            f"SELECT term_id FROM {DOCUMENTS} WHERE term_id = ANY(%s::bigint[]) "
            f"AND vector @@ {self.TSQUERY}",
            [list(ids), " | ".join(self._phrase(clause.words) for clause in query.negative)],
        )
        return {row[0] for row in found}

    def similar_words(self, word, limit=30):
        found = rows(f"SELECT word FROM {WORDS} ORDER BY word <-> %s LIMIT %s", [word, limit])
        return [row[0] for row in found]

    def in_ids(self, ids):
        return "= ANY(%s::bigint[])", list(ids)

    def ordered_by(self, ids):
        return "array_position(%s::bigint[], {column})", [list(ids)]

    # ------------------------------------------------------------------ indexing

    DOCUMENTS_SELECT = f"""
        SELECT t.id AS term_id, x.names, x.services, t.definition, x.body,
            setweight(to_tsvector('english', x.names), 'A')
            || setweight(to_tsvector('english', x.services), 'B')
            || setweight(to_tsvector('english', t.definition), 'C')
            || setweight(to_tsvector('english', x.body), 'D') AS vector,
            t.category_id, t.difficulty, x.providers
        FROM {TERMS} t, {TEXTS}(t) x
    """

    @staticmethod
    def _write_sql(select):
        """One statement writing the documents that `select` computes, and their titles:
        the vectors' name and service parts (weights A and B), positions and all."""
        return (
            f"WITH written AS (INSERT INTO {DOCUMENTS} (term_id, names, services, definition, "
            f"body, vector, category_id, difficulty, providers) {select} "
            "RETURNING term_id, ts_filter(vector, ARRAY['a', 'b']::\"char\"[]), "
            "category_id, difficulty, providers) "
            f"INSERT INTO {TITLES} (term_id, vector, category_id, difficulty, providers) "
            "SELECT * FROM written"
        )

    def write_documents(self, ids=None):
        public, params = published_terms()
        where = f" WHERE {public}"
        if ids is not None:
            in_ids, param = self.in_ids(ids)
            where, params = f"{where} AND t.id {in_ids}", [*params, param]
        execute(self._write_sql(self.DOCUMENTS_SELECT + where), params)

    ARRAY_TYPES = {"term_id": "bigint", "key": "text", "word": "text"}

    def insert(self, table, columns, values, fresh=False):
        if not values:
            return
        if fresh:
            # COPY: a rebuild adds hundreds of thousands of rows, and binding them as
            # parameters cost more than inserting them.
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with db.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
            return
        # One statement for the lot, whatever the number of rows.
        types = ", ".join(f"%s::{self.ARRAY_TYPES[column]}[]" for column in columns)
        execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({types}) "
            "ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*values, strict=True)],
        )

    def stage_documents(self):
        """Compute every document into a temporary table, while searches go on reading the
        old index; edits wait for the rebuild to commit (their reindex then writes to the
        new index)."""
        execute(f"LOCK TABLE {DOCUMENTS} IN EXCLUSIVE MODE")
        self.create_schema([TEXTS])
        # PostgreSQL never runs the SELECT of an INSERT in parallel, but it does that of a
        # CREATE TABLE … AS, on every core. Staged rows are read once: uncompressed.
        public, params = published_terms()
        execute(
            f"CREATE TEMPORARY TABLE {STAGED} WITH (toast_tuple_target = 8160) "
            f"AS {self.DOCUMENTS_SELECT} WHERE {public}",
            params,
        )

    def rebuild(self, read_names):
        self.stage_documents()
        names = read_names()
        # TRUNCATE and CREATE INDEX refuse to run while foreign key checks wait for the
        # commit: check them as each statement ends (all of Django's are deferred, so
        # deferring them again at the end restores the transaction).
        execute("SET CONSTRAINTS ALL IMMEDIATE")
        execute("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = self.DOCUMENT_INDEXES + self.NAME_INDEXES
        # Indexes are built once after the bulk insert: far faster than row by row.
        self.drop_schema(indexes)
        # Not DELETE: that leaves every old row behind for VACUUM.
        execute(f"TRUNCATE {', '.join(INDEX_TABLES)}")
        self.create_schema([f"{DOCUMENTS}_storage"])
        execute(self._write_sql(f"SELECT * FROM {STAGED}"))
        execute(f"DROP TABLE {STAGED}")
        # Names, words and typo keys are Python's work, the GIN indexes PostgreSQL's.
        with alongside(names.rows) as pending:
            self.create_schema(self.DOCUMENT_INDEXES)
        self.insert_names(*pending.result(), fresh=True)
        self.create_schema(self.NAME_INDEXES)
        execute("SET CONSTRAINTS ALL DEFERRED")
        # Fresh statistics, or the planner guesses (a typo-key lookup then scanned the
        # whole key table).
        for table in INDEX_TABLES:
            execute(f"ANALYZE {table}")
        return len(names.terms)

    def after_rebuild_commit(self):
        # Until VACUUM has visited them, the first search to read each new row records that
        # the rebuild committed (hint bits), dirtying its page, which is written again.
        execute(f"VACUUM {', '.join(INDEX_TABLES)}")
