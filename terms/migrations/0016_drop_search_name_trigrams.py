"""PostgreSQL: drop the trigram index on name keys, which no query uses.

Name matches read the byte-order B-tree (terms_searchname_key_c), one index range per
prefix, and "did you mean" asks the vocabulary's trigram GiST index (migration 0007). The
GIN trigram index on the keys was only written: at 100,000 terms a rebuild's copy of
130,000 name keys took 2.2-2.7 s with it and 0.7-1.3 s without, and every save paid too.
"""

from django.db import migrations

from terms.migrations._postgresql import postgresql_only

FORWARDS = ["DROP INDEX IF EXISTS terms_searchname_key_trgm"]
BACKWARDS = [
    "CREATE INDEX terms_searchname_key_trgm ON terms_searchname USING gin (key gin_trgm_ops)"
]


class Migration(migrations.Migration):
    dependencies = [("terms", "0015_search_titles")]

    operations = [postgresql_only(FORWARDS, BACKWARDS)]
