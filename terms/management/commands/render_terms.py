from django.core.management.base import BaseCommand

from terms import linking


class Command(BaseCommand):
    help = "Re-render every definition and FAQ answer (links, auto-links, mentions)."

    def handle(self, *args, **options):
        count = linking.render_all()
        self.stdout.write(self.style.SUCCESS(f"Rendered {count} terms."))
