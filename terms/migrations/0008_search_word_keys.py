"""Keys for "did you mean": every vocabulary word, whole and with each one letter deleted."""

from django.db import migrations, models


def deletions(word):
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def fill(apps, schema_editor):
    """Keys for the vocabulary already indexed, so no rebuild is needed after migrating."""
    SearchWord = apps.get_model("terms", "SearchWord")
    SearchWordKey = apps.get_model("terms", "SearchWordKey")
    words = SearchWord.objects.values_list("word", flat=True).iterator()
    keys = [SearchWordKey(key=k, word=w) for w in words for k in deletions(w)]
    SearchWordKey.objects.bulk_create(keys, batch_size=5_000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0007_search_words_gist"),
    ]

    operations = [
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
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
