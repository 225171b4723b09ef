import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from terms import roles

PASSWORD_VARIABLE = "GLOSSARY_EDITOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Make a user a glossary editor: staff, in the Editor group (write terms and submit "
        "them for review), or with --publisher the Publisher group (also publish, unpublish, "
        "schedule and delete). A new user gets the password given, or a "
        "generated one that is printed; an existing user keeps theirs unless one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--publisher", action="store_true", help="a Publisher rather than an Editor"
        )
        parser.add_argument(
            "--password",
            default=os.environ.get(PASSWORD_VARIABLE),
            help=f"the password to set (default: ${PASSWORD_VARIABLE}, else keep the "
            "user's own or generate one)",
        )

    def handle(self, *args, username, email, password, publisher, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=email)
        generated = None
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(f"password for {username}: {' '.join(exc.messages)}") from None
            user.set_password(password)
        elif created or not user.has_usable_password():
            # Printed once, so that making an editor needs no prompt and no second command.
            generated = secrets.token_urlsafe(12)
            user.set_password(generated)
        user.is_staff = True
        user.save()
        role = roles.PUBLISHER if publisher else roles.EDITOR
        user.groups.add(roles.group(role))
        self.stdout.write(self.style.SUCCESS(f"{username} is in the {role} group."))
        if generated:
            self.stdout.write(f"Password: {generated}")
            self.stdout.write(
                f"Change it after signing in, or: manage.py changepassword {username}"
            )
        elif not password and not created:
            self.stdout.write(f"{username} keeps their password.")
