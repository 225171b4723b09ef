"""`make run`'s server: runserver, whose start-up lines end with where to go."""

import logging

from django.core.management import get_commands, load_command_class
from django.urls import reverse

# The runserver in effect (whitenoise's, over staticfiles', over Django's), whichever it is.
Runserver = type(load_command_class(get_commands()["runserver"], "runserver"))

EDITOR_COMMAND = "make editor NAME=yourname"


def banner(base):
    """Where to go once the server at `base` (scheme://host:port) is up, and how to edit."""
    rows = [
        ("Site", base + reverse("terms:home")),
        ("Admin", base + reverse("admin:index")),
        ("API docs", base + reverse("api:docs")),
    ]
    lines = ["", "Glossary is running."]
    lines += [f"  {label:<9} {url}" for label, url in rows]
    lines += [
        "To edit, make an editor account (prints its password):",
        f"  {EDITOR_COMMAND}",
        "Quit with CONTROL-C.",
    ]
    return "\n".join(lines)


class Command(Runserver):
    help = "Serve the site for development, like runserver, ending with its URLs."

    def handle(self, *args, **options):
        # "Watching for file changes with StatReloader" would come after the banner.
        logging.getLogger("django.utils.autoreload").setLevel(logging.WARNING)
        super().handle(*args, **options)

    def on_bind(self, server_port):
        # Replaces Django's date, version and production warning: the README says how to deploy.
        if self._raw_ipv6:
            host = f"[{self.addr}]"
        elif self.addr in ("0", "0.0.0.0"):
            host = "localhost"  # listening everywhere; this machine reaches it here
        else:
            host = self.addr
        self.stdout.write(banner(f"{self.protocol}://{host}:{server_port}"))
