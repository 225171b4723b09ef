"""Time `import_glossary` of generated entry files into an empty glossary, at several sizes."""

import io
import tempfile
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bench import entries
from terms.models import Term


def count_list(text):
    """A comma-separated list of positive entry counts."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ValueError(text)
    return values


class Command(BaseCommand):
    help = (
        "Generate entry files and time import_glossary of them into an empty glossary, per "
        "count, on the database in DATABASE_URL; print seconds, terms/s and the ratio of the "
        "largest count's time to the smallest's. The last count's terms stay in the glossary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--counts",
            type=count_list,
            default=[1000, 10000],
            help="entry counts to time, comma-separated (default 1000,10000)",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--flush", action="store_true", help="delete the glossary's terms first"
        )

    def handle(self, *args, counts, seed, flush, **options):
        if (stored := Term.objects.count()) and not flush:
            raise CommandError(
                f"The glossary has {stored} term{'s' if stored != 1 else ''}; bench_import needs "
                "an empty one (--flush deletes every term first)."
            )
        seconds, cpu = {}, {}
        for count in counts:
            Term.objects.all().delete()  # every count is imported into an empty glossary
            with tempfile.TemporaryDirectory() as folder:
                entries.write(entries.generate(count, seed=seed), folder)
                started, started_cpu = time.perf_counter(), time.process_time()
                call_command("import_glossary", folder, stdout=io.StringIO())
                seconds[count] = time.perf_counter() - started
                # This process's CPU time: a fairer figure than wall time on a busy machine
                # (the database's own work is in it on SQLite, not on PostgreSQL).
                cpu[count] = time.process_time() - started_cpu
            self.stdout.write(
                f"{count:>7} entries: {seconds[count]:7.1f} s, {count / seconds[count]:6.0f} terms/s"
                f" (CPU {cpu[count]:.1f} s)"
            )
            self.stdout.flush()  # each line as soon as it is measured: large counts take long
        if len(seconds) > 1:
            small, large = min(seconds), max(seconds)
            self.stdout.write(
                f"{large} / {small} entries: {seconds[large] / seconds[small]:.1f}x the time, "
                f"{cpu[large] / max(cpu[small], 1e-6):.1f}x the CPU time"
            )
