import time

from django.core.management.base import BaseCommand

from bench import synthetic
from terms import search


class Command(BaseCommand):
    help = "Add a large, deterministic synthetic glossary (for benchmarks), then index it."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, count, seed, **options):
        started = time.perf_counter()

        def progress(done):
            self.stdout.write(f"  {done} terms ({time.perf_counter() - started:.0f} s)")

        # Children are bulk-created (no signals), so the index is built once at the end.
        created = synthetic.generate(count, seed=seed, progress=progress)
        generated = time.perf_counter()
        indexed = search.rebuild_index()
        self.stdout.write(
            f"Created {created} terms in {generated - started:.1f} s; "
            f"indexed {indexed} terms in {time.perf_counter() - generated:.1f} s."
        )
