"""PostgreSQL: a GIN index over names and services alone.

When a word is in most terms, search ranks only the terms that have it in their names or
services; with this index that set is found without reading every matching document.
"""

from django.db import migrations

from terms.migrations._postgresql import postgresql_only

FORWARDS = (
    "CREATE INDEX terms_searchdocument_names_gin ON terms_searchdocument "
    "USING gin (to_tsvector('english'::regconfig, names || ' ' || services))"
)
BACKWARDS = "DROP INDEX terms_searchdocument_names_gin"


class Migration(migrations.Migration):
    dependencies = [("terms", "0005_search_backends")]

    operations = [postgresql_only([FORWARDS], [BACKWARDS])]
