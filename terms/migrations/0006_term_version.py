import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0005_equivalent_service_slug"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="term",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="Who made the last change; empty for imports and scripts.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="term",
            name="version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
