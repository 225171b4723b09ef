from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "terms"
    verbose_name = "Glossary"

    def ready(self):
        # Connects the signals that keep the search index in step with every save and delete.
        from django.db.models.signals import post_delete, pre_delete

        from terms import linking, search  # noqa: F401
        from terms.models import Term

        pre_delete.connect(linking.before_delete, sender=Term)
        post_delete.connect(linking.after_delete, sender=Term)
