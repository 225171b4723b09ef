"""What this app's migrations share. Not a migration: the loader skips modules whose names
start with an underscore."""

from django.db import migrations


def postgresql_only(forwards, backwards):
    """A migration operation that runs these SQL statements on PostgreSQL, and nothing on
    SQLite (which keeps its search index in FTS5 tables instead)."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forwards), run(backwards))
