"""The four providers the entry format names, and the content generation's one row."""

from django.db import migrations

PROVIDERS = [
    ("Amazon Web Services", "AWS", "aws", "https://aws.amazon.com/"),
    ("Microsoft Azure", "Azure", "azure", "https://azure.microsoft.com/"),
    ("Google Cloud", "GCP", "gcp", "https://cloud.google.com/"),
    ("Oracle Cloud Infrastructure", "OCI", "oci", "https://www.oracle.com/cloud/"),
]


def create(apps, schema_editor):
    Provider = apps.get_model("terms", "Provider")
    for position, (name, short_name, slug, website) in enumerate(PROVIDERS, start=1):
        Provider.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short_name,
                "website": website,
                "position": position,
            },
        )
    apps.get_model("terms", "ContentGeneration").objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    Provider = apps.get_model("terms", "Provider")
    Provider.objects.filter(slug__in=[slug for _, _, slug, _ in PROVIDERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("terms", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
