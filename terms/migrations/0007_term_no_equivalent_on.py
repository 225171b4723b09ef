from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0006_term_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="term",
            name="no_equivalent_on",
            field=models.ManyToManyField(
                blank=True,
                help_text="Providers that have nothing comparable (say why in an FAQ).",
                related_name="+",
                to="terms.provider",
                verbose_name="no equivalent on purpose",
            ),
        ),
    ]
