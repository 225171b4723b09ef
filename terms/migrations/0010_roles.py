"""The Editor and Publisher groups (terms.roles, frozen here as it was)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CHILDREN = ("usecase", "providerequivalent", "faq", "termdraft")
EDITOR = [
    "view_term",
    "add_term",
    "change_term",
    "view_unpublished_term",
    *(f"{action}_{model}" for model in CHILDREN for action in ("view", "add", "change")),
    "delete_usecase",
    "delete_providerequivalent",
    "delete_faq",
    "view_category",
    "view_provider",
]
PUBLISHER = [*EDITOR, "publish_term", "delete_term", "delete_termdraft"]


def create_groups(apps, schema_editor):
    # Permissions are otherwise created after the last migration has run.
    config = apps.get_app_config("terms")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Editor", EDITOR), ("Publisher", PUBLISHER)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="terms", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Publisher"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0009_publishing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
