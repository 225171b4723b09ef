from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "terms"
    verbose_name = "Glossary"

    def ready(self):
        from django.core import serializers

        from terms import changes, history, signals, webhooks

        signals.connect()
        changes.subscribe(webhooks.changes_recorded)
        serializers.register_serializer(history.FORMAT, "terms.history_format")
        history.register()
