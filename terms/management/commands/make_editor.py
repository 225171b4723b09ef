from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

EDITORS = "Editors"


def editors_group():
    """The Editors group, holding every permission on the glossary's content."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.set(Permission.objects.filter(content_type__app_label="terms"))
    return group


class Command(BaseCommand):
    help = (
        "Make a user a glossary editor: staff, in the Editors group (every permission on "
        "terms, categories and providers). Creates the user without a password if needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if created:
            user.set_unusable_password()
        user.is_staff = True
        user.save()
        user.groups.add(editors_group())
        self.stdout.write(self.style.SUCCESS(f"{username} is an editor."))
        if created:
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")
