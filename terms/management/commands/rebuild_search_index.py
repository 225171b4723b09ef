import time

from django.core.management.base import BaseCommand

from terms import search


class Command(BaseCommand):
    help = "Rebuild the search index from every term, in one transaction."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = search.rebuild_index()
        self.stdout.write(f"Indexed {count} terms in {time.perf_counter() - started:.1f} s.")
