"""A narrow per-term row (category, difficulty, providers) for search facet counts."""

import django.db.models.deletion
from django.db import migrations, models

PROVIDERS = {
    "sqlite": "',' || group_concat(DISTINCT e.provider_id) || ','",
    "postgresql": "',' || string_agg(DISTINCT e.provider_id::text, ',') || ','",
}


def fill(apps, schema_editor):
    """Rows for the terms already indexed, so no rebuild is needed after migrating."""
    providers = PROVIDERS.get(schema_editor.connection.vendor)
    if providers:
        schema_editor.execute(
            "INSERT INTO terms_searchfacet (term_id, category_id, difficulty, providers) "
            "SELECT t.id, t.category_id, t.difficulty, coalesce((SELECT "
            f"{providers} FROM terms_providerequivalent e WHERE e.term_id = t.id), '') "
            "FROM terms_term t"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0008_search_word_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchFacet",
            fields=[
                (
                    "term",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_facet",
                        serialize=False,
                        to="terms.term",
                    ),
                ),
                ("category_id", models.IntegerField()),
                ("difficulty", models.CharField(max_length=12)),
                (
                    "providers",
                    models.CharField(blank=True, help_text="Provider ids: ,1,3,", max_length=200),
                ),
            ],
            options={
                "ordering": ["term"],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
