"""Each service's slug, for its /compare/<provider>/<service>/ page; existing rows filled in."""

from django.db import migrations, models
from django.utils.text import slugify

import terms.models


def fill(apps, schema_editor):
    ProviderEquivalent = apps.get_model("terms", "ProviderEquivalent")
    rows = list(ProviderEquivalent.objects.only("service"))
    for row in rows:
        # As ServiceSlugField.pre_save does: the historical model has no custom methods.
        row.service_slug = slugify(row.service, allow_unicode=True) or "-"
    ProviderEquivalent.objects.bulk_update(rows, ["service_slug"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("terms", "0004_term_created_at_idx")]

    operations = [
        migrations.AddField(
            model_name="providerequivalent",
            name="service_slug",
            field=terms.models.ServiceSlugField(
                allow_unicode=True, default="", editable=False, max_length=200
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="providerequivalent",
            index=models.Index(
                fields=["provider", "service_slug"], name="equivalent_service_slug_idx"
            ),
        ),
    ]
