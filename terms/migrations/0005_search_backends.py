"""Database-specific search indexes: FTS5 on SQLite; GIN tsvector and pg_trgm on PostgreSQL.

Each statement list runs only on its own backend, so the migration applies cleanly to a
fresh database of either kind.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SQLITE_FORWARDS = [
    # External-content FTS5 table over terms_searchdocument; triggers keep it in step with
    # every insert, update and delete of a document, so it shares the writer's transaction.
    """CREATE VIRTUAL TABLE terms_search_fts USING fts5(
        names, services, definition, body,
        content='terms_searchdocument', content_rowid='term_id',
        tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    # Column weights: names and aliases, then services, then the definition, then the rest.
    "INSERT INTO terms_search_fts(terms_search_fts, rank) VALUES('rank', 'bm25(10.0, 5.0, 2.0, 1.0)')",
    """CREATE TRIGGER terms_searchdocument_ai AFTER INSERT ON terms_searchdocument BEGIN
        INSERT INTO terms_search_fts(rowid, names, services, definition, body)
        VALUES (new.term_id, new.names, new.services, new.definition, new.body);
    END""",
    """CREATE TRIGGER terms_searchdocument_ad AFTER DELETE ON terms_searchdocument BEGIN
        INSERT INTO terms_search_fts(terms_search_fts, rowid, names, services, definition, body)
        VALUES ('delete', old.term_id, old.names, old.services, old.definition, old.body);
    END""",
    """CREATE TRIGGER terms_searchdocument_au AFTER UPDATE ON terms_searchdocument BEGIN
        INSERT INTO terms_search_fts(terms_search_fts, rowid, names, services, definition, body)
        VALUES ('delete', old.term_id, old.names, old.services, old.definition, old.body);
        INSERT INTO terms_search_fts(rowid, names, services, definition, body)
        VALUES (new.term_id, new.names, new.services, new.definition, new.body);
    END""",
    # Trigram index of the vocabulary, for "did you mean"; words are only ever added.
    "CREATE VIRTUAL TABLE terms_searchword_fts USING fts5(word, tokenize='trigram')",
    """CREATE TRIGGER terms_searchword_ai AFTER INSERT ON terms_searchword BEGIN
        INSERT INTO terms_searchword_fts(word) VALUES (new.word);
    END""",
    "CREATE INDEX terms_searchname_key_idx ON terms_searchname (key)",
]
SQLITE_BACKWARDS = [
    "DROP INDEX terms_searchname_key_idx",
    "DROP TRIGGER terms_searchword_ai",
    "DROP TABLE terms_searchword_fts",
    "DROP TRIGGER terms_searchdocument_au",
    "DROP TRIGGER terms_searchdocument_ad",
    "DROP TRIGGER terms_searchdocument_ai",
    "DROP TABLE terms_search_fts",
]

POSTGRES_FORWARDS = [
    "CREATE INDEX terms_searchdocument_vector_gin ON terms_searchdocument USING gin (vector)",
    # Byte order, whatever the database's collation, so a prefix is one index range.
    'CREATE INDEX terms_searchname_key_c ON terms_searchname (key COLLATE "C")',
    "CREATE INDEX terms_searchname_key_trgm ON terms_searchname USING gin (key gin_trgm_ops)",
    "CREATE INDEX terms_searchword_trgm ON terms_searchword USING gin (word gin_trgm_ops)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX terms_searchword_trgm",
    "DROP INDEX terms_searchname_key_trgm",
    "DROP INDEX terms_searchname_key_c",
    "DROP INDEX terms_searchdocument_vector_gin",
]


def run_for_vendor(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("terms", "0004_search_index")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRES_FORWARDS}),
            run_for_vendor({"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRES_BACKWARDS}),
        ),
    ]
