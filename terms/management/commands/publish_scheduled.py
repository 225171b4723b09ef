from django.core.management.base import BaseCommand

from terms.publishing import publish_due


class Command(BaseCommand):
    help = (
        "Publish the terms and drafts whose scheduled time has come. Run it from cron every "
        "minute; a run with nothing due changes nothing."
    )

    def handle(self, *args, verbosity, **options):
        published = publish_due()
        if verbosity > 1:
            for name in published:
                self.stdout.write(f"published: {name}")
        if verbosity:
            self.stdout.write(f"Published {len(published)} scheduled term(s).")
