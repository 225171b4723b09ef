"""PostgreSQL: name matches and facet counts read narrow rows of their own, SearchTitle.

A word found in most terms ranks only the terms that have it in their names or services,
and a results page counts facets over up to a thousand terms. Both read the document rows,
and each of those fills a page of its own (a 4 KB vector and 3 KB of text): at 100,000
terms, 780 MB that PostgreSQL's buffers do not hold. Ranking a common word's name matches
took 9.6 ms that way, reading 1,001 such pages, and 2.1 ms from these rows (36 MB with their
index). The title's vector is the document vector's name and service part (ts_filter), so
a rebuild no longer parses every term's names again for an index expression.

SQLite keeps its FTS5 index of names and services (migration 0013) and leaves the table
empty.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from terms.migrations._postgresql import postgresql_only

FORWARDS = [
    # The names (weight A) and services (B) of the document's vector, as terms.search writes.
    """INSERT INTO terms_searchtitle (term_id, vector, category_id, difficulty, providers)
    SELECT term_id, ts_filter(vector, ARRAY['a', 'b']::"char"[]), category_id, difficulty,
        providers
    FROM terms_searchdocument""",
    "CREATE INDEX terms_searchtitle_vector_gin ON terms_searchtitle USING gin (vector)",
    "DROP INDEX terms_searchdocument_names_gin",
]
BACKWARDS = [
    "CREATE INDEX terms_searchdocument_names_gin ON terms_searchdocument "
    "USING gin (to_tsvector('english'::regconfig, names || ' ' || services))",
    "DROP INDEX terms_searchtitle_vector_gin",
]


class Migration(migrations.Migration):
    dependencies = [("terms", "0014_search_texts_function")]

    operations = [
        migrations.CreateModel(
            name="SearchTitle",
            fields=[
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
                ("category_id", models.IntegerField()),
                ("difficulty", models.CharField(max_length=12)),
                (
                    "providers",
                    models.CharField(
                        blank=True, help_text="Provider ids: ,1,3,", max_length=200
                    ),
                ),
            ],
            options={"ordering": ["term"]},
        ),
        postgresql_only(FORWARDS, BACKWARDS),
    ]
