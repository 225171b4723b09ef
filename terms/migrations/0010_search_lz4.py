"""PostgreSQL: lz4 rather than pglz for the search documents' out-of-line values.

Every ranked match and every snippet reads its document's compressed tsvector or text, and
a rebuild compresses all of them: lz4 does both several times faster. Rows are recompressed
when next written (a rebuild); servers built without lz4 keep pglz.
"""

from django.db import migrations

COLUMNS = ["names", "services", "definition", "body", "vector"]


def compression(method):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'",
                [method],
            )
            if not cursor.fetchone()[0]:
                return
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE terms_searchdocument ALTER COLUMN {column} SET COMPRESSION {method}"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("terms", "0009_search_facets")]

    operations = [migrations.RunPython(compression("lz4"), compression("pglz"))]
