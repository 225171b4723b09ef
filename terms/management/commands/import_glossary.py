from django.core.management.base import BaseCommand, CommandError

from terms.importers import ImportConflict, ImportFailed, import_paths
from terms.models import Status, Term


class Command(BaseCommand):
    help = "Import entry files (and folders of *.txt entries) into the glossary, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="entry files or folders of them")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--rename",
            action="store_true",
            help="let an entry rename the stored term it matches (Café for Cafe, or a change "
            "of letter case); without it such an import is refused",
        )
        parser.add_argument(
            "--status",
            choices=Status.values,
            help="the status of every imported term (default: published for new terms, "
            "unchanged for existing ones)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="import only into a glossary without terms (so editors' changes are never "
            "overwritten by a sample)",
        )

    def handle(self, *args, paths, dry_run, rename, status, if_empty, verbosity, **options):
        if if_empty and (count := Term.objects.count()):
            self.stdout.write(f"The glossary already has {count} terms; nothing was imported.")
            return
        try:
            report = import_paths(paths, dry_run=dry_run, rename=rename, status=status)
        except ImportConflict as exc:
            raise CommandError(exc.errors[0]) from None
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            count = len(exc.errors)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was imported."
            ) from None

        if dry_run or verbosity > 1:
            for label, names in (
                ("create", report.created),
                ("update", report.updated),
                ("unchanged", report.unchanged),
            ):
                for name in names:
                    self.stdout.write(f"{label}: {name}")
            for old, new in report.renamed:
                needs = "" if rename else " (needs --rename)"
                self.stdout.write(f"rename: {old} -> {new}{needs}")
        created, updated, unchanged = map(len, (report.created, report.updated, report.unchanged))
        new_categories = (
            f"; new categories: {', '.join(report.categories_created)}"
            if report.categories_created
            else ""
        )
        if dry_run:
            self.stdout.write(
                f"Dry run: would create {created}, update {updated}, leave {unchanged} "
                f"unchanged{new_categories}. Nothing was written."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {created}, updated {updated}, left {unchanged} "
                    f"unchanged{new_categories}."
                )
            )
