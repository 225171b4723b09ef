"""The search index: its tables, and each database's structures over them.

The DDL below is frozen text: terms/search/backends/sqlite.py and postgresql.py hold the
live copy, which `rebuild_search_index` creates again, and a test checks that a fresh
`migrate` creates the same indexes, triggers and functions. A later change to them is a new
migration (or `migrate` plus `rebuild_search_index`, as the index is derived data).
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

FTS5 = "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'"
SQLITE = [
    # The documents' text, and their names and services alone, each ranked by bm25 with
    # column weights; the vocabulary by trigrams, for "did you mean".
    "CREATE VIRTUAL TABLE terms_searchdocument_fts USING fts5(names, services, definition, "
    f"body, content='terms_searchdocument', content_rowid='term_id', {FTS5})",
    "INSERT INTO terms_searchdocument_fts(terms_searchdocument_fts, rank) "
    "VALUES('rank', 'bm25(10.0, 5.0, 2.0, 1.0)')",
    "INSERT INTO terms_searchdocument_fts(terms_searchdocument_fts) VALUES('rebuild')",
    "CREATE VIRTUAL TABLE terms_searchdocument_titles_fts USING fts5(names, services, "
    f"content='terms_searchdocument', content_rowid='term_id', {FTS5})",
    "INSERT INTO terms_searchdocument_titles_fts(terms_searchdocument_titles_fts, rank) "
    "VALUES('rank', 'bm25(10.0, 5.0)')",
    "INSERT INTO terms_searchdocument_titles_fts(terms_searchdocument_titles_fts) "
    "VALUES('rebuild')",
    "CREATE INDEX terms_searchdocument_facets "
    "ON terms_searchdocument (term_id, category_id, difficulty, providers)",
    "CREATE INDEX terms_searchname_key ON terms_searchname (key)",
    "CREATE VIRTUAL TABLE terms_searchword_fts USING fts5(word, content='terms_searchword', "
    "tokenize='trigram')",
    "INSERT INTO terms_searchword_fts(terms_searchword_fts) VALUES('rebuild')",
    # Triggers keep the FTS5 tables in step with every write, in the writer's transaction.
    """CREATE TRIGGER terms_searchdocument_ai AFTER INSERT ON terms_searchdocument BEGIN
        INSERT INTO terms_searchdocument_fts(rowid, names, services, definition, body)
        VALUES (new.term_id, new.names, new.services, new.definition, new.body);
        INSERT INTO terms_searchdocument_titles_fts(rowid, names, services)
        VALUES (new.term_id, new.names, new.services);
    END""",
    """CREATE TRIGGER terms_searchdocument_ad AFTER DELETE ON terms_searchdocument BEGIN
        INSERT INTO terms_searchdocument_fts(terms_searchdocument_fts, rowid, names, services,
            definition, body)
        VALUES ('delete', old.term_id, old.names, old.services, old.definition, old.body);
        INSERT INTO terms_searchdocument_titles_fts(terms_searchdocument_titles_fts, rowid,
            names, services)
        VALUES ('delete', old.term_id, old.names, old.services);
    END""",
    """CREATE TRIGGER terms_searchdocument_au AFTER UPDATE OF names, services, definition, body
    ON terms_searchdocument BEGIN
        INSERT INTO terms_searchdocument_fts(terms_searchdocument_fts, rowid, names, services,
            definition, body)
        VALUES ('delete', old.term_id, old.names, old.services, old.definition, old.body);
        INSERT INTO terms_searchdocument_titles_fts(terms_searchdocument_titles_fts, rowid,
            names, services)
        VALUES ('delete', old.term_id, old.names, old.services);
        INSERT INTO terms_searchdocument_fts(rowid, names, services, definition, body)
        VALUES (new.term_id, new.names, new.services, new.definition, new.body);
        INSERT INTO terms_searchdocument_titles_fts(rowid, names, services)
        VALUES (new.term_id, new.names, new.services);
    END""",
    """CREATE TRIGGER terms_searchword_ai AFTER INSERT ON terms_searchword BEGIN
        INSERT INTO terms_searchword_fts(rowid, word) VALUES (new.rowid, new.word);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS terms_searchword_ai",
    "DROP TRIGGER IF EXISTS terms_searchdocument_au",
    "DROP TRIGGER IF EXISTS terms_searchdocument_ad",
    "DROP TRIGGER IF EXISTS terms_searchdocument_ai",
    "DROP TABLE IF EXISTS terms_searchword_fts",
    "DROP INDEX IF EXISTS terms_searchname_key",
    "DROP INDEX IF EXISTS terms_searchdocument_facets",
    "DROP TABLE IF EXISTS terms_searchdocument_titles_fts",
    "DROP TABLE IF EXISTS terms_searchdocument_fts",
]

POSTGRESQL = [
    # A term's searchable texts, lists in editorial order; a function, so that the workers
    # of a parallel rebuild can run its subqueries.
    """CREATE OR REPLACE FUNCTION terms_search_texts(t terms_term,
        OUT names text, OUT services text, OUT body text, OUT providers text)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT
        t.name || coalesce(' · ' || (SELECT string_agg(a.value, ' · ' ORDER BY a.n)
            FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.aliases) = 'array'
                THEN t.aliases ELSE '[]' END) WITH ORDINALITY AS a(value, n)), ''),
        coalesce((SELECT string_agg(p.short_name || ': ' || e.service
                || CASE WHEN e.note = '' THEN '' ELSE ' (' || e.note || ')' END
                || coalesce(' / ' || (SELECT string_agg(f.value, ' / ' ORDER BY f.n)
                    FROM jsonb_array_elements_text(CASE
                        WHEN jsonb_typeof(e.former_names) = 'array'
                        THEN e.former_names ELSE '[]' END) WITH ORDINALITY AS f(value, n)), ''),
                ' · ' ORDER BY e.position, e.id)
            FROM terms_providerequivalent e JOIN terms_provider p ON p.id = e.provider_id
            WHERE e.term_id = t.id), ''),
        coalesce((SELECT string_agg(u.organization || ': ' || u.title || '. '
                || u.description || ' ' || u.outcome, chr(10) ORDER BY u.position, u.id)
            FROM terms_usecase u WHERE u.term_id = t.id) || chr(10), '')
        || coalesce((SELECT string_agg(q.question || ' ' || q.answer, chr(10)
                ORDER BY q.position, q.id)
            FROM terms_faq q WHERE q.term_id = t.id) || chr(10), '')
        || (SELECT c.name FROM terms_category c WHERE c.id = t.category_id),
        coalesce((SELECT ',' || string_agg(DISTINCT e.provider_id::text, ',') || ','
            FROM terms_providerequivalent e WHERE e.term_id = t.id), '') $$""",
    # Ranking reads every match's vector: kept in the row, and compressed with lz4 where
    # the server has it.
    "ALTER TABLE terms_searchdocument SET (toast_tuple_target = 8160)",
    "ALTER TABLE terms_searchdocument ALTER COLUMN vector SET STORAGE MAIN",
    """DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_settings
        WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        ALTER TABLE terms_searchdocument ALTER COLUMN names SET COMPRESSION lz4,
            ALTER COLUMN services SET COMPRESSION lz4,
            ALTER COLUMN definition SET COMPRESSION lz4, ALTER COLUMN body SET COMPRESSION lz4,
            ALTER COLUMN vector SET COMPRESSION lz4;
    END IF; END $$""",
    "CREATE INDEX terms_searchdocument_vector_gin ON terms_searchdocument USING gin (vector)",
    "CREATE INDEX terms_searchtitle_vector_gin ON terms_searchtitle USING gin (vector)",
    # Byte order, whatever the database's collation, so that a prefix is one index range.
    'CREATE INDEX terms_searchname_key_c ON terms_searchname (key COLLATE "C")',
    "CREATE INDEX terms_searchword_trgm_gist ON terms_searchword USING gist (word gist_trgm_ops)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS terms_searchword_trgm_gist",
    "DROP INDEX IF EXISTS terms_searchname_key_c",
    "DROP INDEX IF EXISTS terms_searchtitle_vector_gin",
    "DROP INDEX IF EXISTS terms_searchdocument_vector_gin",
    "DROP FUNCTION IF EXISTS terms_search_texts(terms_term)",
]


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("terms", "0002_initial_data")]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=100, primary_key=True, serialize=False)),
            ],
            options={
                "ordering": ["word"],
            },
        ),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("category_id", models.IntegerField()),
                ("difficulty", models.CharField(max_length=12)),
                (
                    "providers",
                    models.CharField(blank=True, help_text="Provider ids: ,1,3,", max_length=200),
                ),
                (
                    "term",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="terms.term",
                    ),
                ),
                ("names", models.TextField(help_text="Name and aliases.")),
                ("services", models.TextField(blank=True, help_text="Provider service names.")),
                ("definition", models.TextField(blank=True)),
                ("body", models.TextField(blank=True, help_text="Use cases, FAQs and category.")),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
            ],
            options={
                "ordering": ["term"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="SearchTitle",
            fields=[
                ("category_id", models.IntegerField()),
                ("difficulty", models.CharField(max_length=12)),
                (
                    "providers",
                    models.CharField(blank=True, help_text="Provider ids: ,1,3,", max_length=200),
                ),
                (
                    "term",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_title",
                        serialize=False,
                        to="terms.term",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "ordering": ["term"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="SearchName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=300)),
                (
                    "term",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_names",
                        to="terms.term",
                    ),
                ),
            ],
            options={
                "ordering": ["key"],
            },
        ),
        migrations.CreateModel(
            name="SearchWordKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100)),
                ("word", models.CharField(max_length=100)),
            ],
            options={
                "ordering": ["key", "word"],
                "constraints": [
                    models.UniqueConstraint(fields=("key", "word"), name="search_word_key_unique")
                ],
            },
        ),
        TrigramExtension(),
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
