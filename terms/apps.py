from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "terms"
    verbose_name = "Glossary"

    def ready(self):
        from django.core import serializers

        from terms import history, signals

        signals.connect()
        serializers.register_serializer(history.FORMAT, "terms.history_format")
        history.register()
