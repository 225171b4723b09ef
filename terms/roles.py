"""The newsroom's two roles, as groups of permissions: Editors write and submit for
review; Publishers also publish, unpublish, schedule and delete, and manage webhooks.

Migration 0010 creates both groups with these permissions and 0014 adds the webhook ones
(frozen copies of this text); `make_editor` puts users in them.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITOR = "Editor"
PUBLISHER = "Publisher"

_CHILDREN = ("usecase", "providerequivalent", "faq", "termdraft")

EDITOR_PERMISSIONS = [
    "view_term",
    "add_term",
    "change_term",
    "view_unpublished_term",
    *(f"{action}_{model}" for model in _CHILDREN for action in ("view", "add", "change")),
    # Removing a use case or FAQ row is part of editing a term, not deleting content.
    "delete_usecase",
    "delete_providerequivalent",
    "delete_faq",
    "view_category",
    "view_provider",
]
# Webhooks send what readers see, and Publishers decide that: they manage the endpoints
# and redeliver (a change to a delivery) too.
WEBHOOK_PERMISSIONS = [
    *(f"{action}_webhookendpoint" for action in ("view", "add", "change", "delete")),
    "view_webhookdelivery",
    "change_webhookdelivery",
    "view_webhookattempt",
]
PUBLISHER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    "publish_term",
    "delete_term",
    "delete_termdraft",
    *WEBHOOK_PERMISSIONS,
]
ROLES = {EDITOR: EDITOR_PERMISSIONS, PUBLISHER: PUBLISHER_PERMISSIONS}


def group(name):
    """The role's group, created with its permissions if a database lacks it."""
    found, created = Group.objects.get_or_create(name=name)
    if created:
        codenames = ROLES[name]
        found.permissions.set(
            Permission.objects.filter(Q(content_type__app_label="terms"), codename__in=codenames)
        )
    return found


def can_publish(user):
    return user.has_perm("terms.publish_term")


def can_see_unpublished(user):
    return user.has_perm("terms.view_unpublished_term")
