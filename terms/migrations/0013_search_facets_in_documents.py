"""Facet columns move into the search documents; the separate facet table goes. SQLite gets
a second, small FTS5 index of names and services.

A search reads up to a thousand matching documents and counts their category, difficulty
and providers. From their own table that was one more index lookup per match: on
PostgreSQL at 100,000 terms, 27 ms of a common word's 32. In the document row the values
come with the match. On SQLite a covering index over them serves the same lookup from one
narrow B-tree.

A common word's results rank the terms that have it in their names or services. Finding
those through a column filter on the full index read the word's whole position list: 4-27
ms at 100,000 terms. Their own index holds only those two short columns.

Adding columns makes Django rebuild the SQLite table, which drops its triggers, so the
migration creates the three that keep both FTS5 indexes in step again; the update trigger
now fires only for the indexed text columns, so writing the facet columns does not re-index
the text.
"""

from django.db import migrations, models

TEXT_COLUMNS = "names, services, definition, body"
OLD = "old.term_id, old.names, old.services, old.definition, old.body"
NEW = "new.term_id, new.names, new.services, new.definition, new.body"
NAME_COLUMNS = "names, services"
OLD_NAMES = "old.term_id, old.names, old.services"
NEW_NAMES = "new.term_id, new.names, new.services"
SQLITE_NAMES_INDEX = [
    """CREATE VIRTUAL TABLE terms_searchname_fts USING fts5(
        names, services,
        content='terms_searchdocument', content_rowid='term_id',
        tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    "INSERT INTO terms_searchname_fts(terms_searchname_fts, rank) VALUES('rank', 'bm25(10.0, 5.0)')",
    "INSERT INTO terms_searchname_fts(terms_searchname_fts) VALUES('rebuild')",
]


def sqlite_triggers(names_index=True):
    """The triggers keeping FTS5 in step with the documents (without the names index: as
    they were before this migration, for going back)."""
    add_names = drop_names = ""
    if names_index:
        add_names = f"INSERT INTO terms_searchname_fts(rowid, {NAME_COLUMNS}) VALUES ({NEW_NAMES});"
        drop_names = (
            f"INSERT INTO terms_searchname_fts(terms_searchname_fts, rowid, {NAME_COLUMNS}) "
            f"VALUES ('delete', {OLD_NAMES});"
        )
    add = f"INSERT INTO terms_search_fts(rowid, {TEXT_COLUMNS}) VALUES ({NEW});"
    drop = (
        f"INSERT INTO terms_search_fts(terms_search_fts, rowid, {TEXT_COLUMNS}) "
        f"VALUES ('delete', {OLD});"
    )
    return {
        "terms_searchdocument_ai": "CREATE TRIGGER terms_searchdocument_ai "
        f"AFTER INSERT ON terms_searchdocument BEGIN {add} {add_names} END",
        "terms_searchdocument_ad": "CREATE TRIGGER terms_searchdocument_ad "
        f"AFTER DELETE ON terms_searchdocument BEGIN {drop} {drop_names} END",
        "terms_searchdocument_au": "CREATE TRIGGER terms_searchdocument_au "
        f"AFTER UPDATE OF {TEXT_COLUMNS} ON terms_searchdocument BEGIN "
        f"{drop} {add} {drop_names} {add_names} END",
    }


def replace_triggers(schema_editor, triggers):
    for name, sql in triggers.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(sql)


SQLITE_FACETS_INDEX = (
    "CREATE INDEX terms_searchdocument_facets "
    "ON terms_searchdocument (term_id, category_id, difficulty, providers)"
)


def move_in(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_FACETS_INDEX)
        for sql in SQLITE_NAMES_INDEX:
            schema_editor.execute(sql)
        replace_triggers(schema_editor, sqlite_triggers())
    schema_editor.execute(
        "UPDATE terms_searchdocument SET category_id = f.category_id, "
        "difficulty = f.difficulty, providers = f.providers FROM terms_searchfacet f "
        "WHERE f.term_id = terms_searchdocument.term_id"
    )


def restore_triggers(apps, schema_editor):
    """Going back: the triggers as they were before, once more after the columns are
    dropped (Django may rebuild the table for that, which drops them)."""
    if schema_editor.connection.vendor == "sqlite":
        replace_triggers(schema_editor, sqlite_triggers(names_index=False))


def move_out(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO terms_searchfacet (term_id, category_id, difficulty, providers) "
        "SELECT term_id, category_id, difficulty, providers FROM terms_searchdocument"
    )
    if schema_editor.connection.vendor == "sqlite":
        replace_triggers(schema_editor, sqlite_triggers(names_index=False))
        schema_editor.execute("DROP INDEX terms_searchdocument_facets")
        schema_editor.execute("DROP TABLE terms_searchname_fts")


class Migration(migrations.Migration):
    dependencies = [("terms", "0012_search_generation")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_triggers),
        migrations.AddField(
            model_name="searchdocument",
            name="category_id",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="difficulty",
            field=models.CharField(default="", max_length=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="providers",
            field=models.CharField(blank=True, help_text="Provider ids: ,1,3,", max_length=200),
        ),
        migrations.RunPython(move_in, move_out),
        migrations.DeleteModel(name="SearchFacet"),
    ]
