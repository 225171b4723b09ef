from django.core.management.base import BaseCommand, CommandError

from terms.publishing import publish_due


class Command(BaseCommand):
    help = (
        "Publish the terms and drafts whose scheduled time has come. Run it from cron every "
        "minute; a run with nothing due changes nothing."
    )

    def handle(self, *args, verbosity, **options):
        published, failed = publish_due()
        if verbosity > 1:
            for name in published:
                self.stdout.write(f"published: {name}")
        if verbosity:
            self.stdout.write(f"Published {len(published)} scheduled term(s).")
        for name, why in failed.items():
            self.stderr.write(f"{name}: not published: {why}")
        if failed:
            # cron mails a failing command's output: someone fixes the draft.
            raise CommandError(f"{len(failed)} scheduled draft(s) could not be published.")
