from django.core.management.base import BaseCommand

from bench import entries


class Command(BaseCommand):
    help = "Write a deterministic synthetic glossary as entry files, <slug>.txt, into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder to write into (created if missing)")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, directory, count, seed, **options):
        entries.write(entries.generate(count, seed=seed), directory)
        self.stdout.write(f"Wrote {count} entries to {directory}/.")
