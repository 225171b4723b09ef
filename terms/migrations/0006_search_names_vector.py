"""PostgreSQL: a GIN index over names and services alone.

When a word is in most terms, search ranks only the terms that have it in their names or
services; with this index that set is found without reading every matching document.
"""

from django.db import migrations

FORWARDS = (
    "CREATE INDEX terms_searchdocument_names_gin ON terms_searchdocument "
    "USING gin (to_tsvector('english'::regconfig, names || ' ' || services))"
)
BACKWARDS = "DROP INDEX terms_searchdocument_names_gin"


def run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("terms", "0005_search_backends")]

    operations = [migrations.RunPython(run(FORWARDS), run(BACKWARDS))]
