from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "terms"
    verbose_name = "Glossary"

    def ready(self):
        # Connects the signals that keep the search index in step with every save and delete.
        from terms import search  # noqa: F401
