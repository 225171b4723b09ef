"""PostgreSQL: GiST instead of GIN trigram index on the vocabulary.

"Did you mean" asks for the words nearest a typo; GiST answers that directly by distance
(ORDER BY word <-> typo LIMIT n) instead of scoring every word sharing a trigram.
"""

from django.db import migrations

from terms.migrations._postgresql import postgresql_only

FORWARDS = [
    "DROP INDEX IF EXISTS terms_searchword_trgm",
    "CREATE INDEX terms_searchword_trgm_gist ON terms_searchword USING gist (word gist_trgm_ops)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS terms_searchword_trgm_gist",
    "CREATE INDEX terms_searchword_trgm ON terms_searchword USING gin (word gin_trgm_ops)",
]


class Migration(migrations.Migration):
    dependencies = [("terms", "0006_search_names_vector")]

    operations = [postgresql_only(FORWARDS, BACKWARDS)]
