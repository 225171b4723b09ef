from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from terms.importers import export_term
from terms.models import Term


class Command(BaseCommand):
    help = "Write every term to DIR as <slug>.txt in the entry format."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder to write into (created if missing)")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{target}: cannot create folder ({exc.strerror})") from None
        count = 0
        for term in Term.objects.with_related().iterator(chunk_size=500):
            (target / f"{term.slug}.txt").write_text(export_term(term), encoding="utf-8")
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Exported {count} terms to {target}/."))
