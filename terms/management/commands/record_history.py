from django.core.management.base import BaseCommand

from terms import history


class Command(BaseCommand):
    help = (
        "Record a first version of every term that has none yet (terms written before "
        "history was recorded), so that they can be reverted to it."
    )

    def handle(self, *args, **options):
        count = history.record_baseline()
        self.stdout.write(self.style.SUCCESS(f"Recorded a first version of {count} terms."))
