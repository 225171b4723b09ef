"""The serialization format of a term's recorded version: Django's JSON of the term, with
its children inline, so one django-reversion Version holds the whole term.

Registered as "term_json" in TermsConfig.ready(). Children are read through the term's
related managers, so prefetching them (terms.history.record) makes a version cost no query.
"""

from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import Serializer as JSONSerializer

USE_CASE_FIELDS = ("organization", "title", "description", "outcome")
EQUIVALENT_FIELDS = ("provider_id", "service", "note", "url", "former_names", "verified_on")
FAQ_FIELDS = ("question", "answer")


def _rows(children, fields):
    return [{name: getattr(child, name) for name in fields} for child in children]


class Serializer(JSONSerializer):
    def handle_m2m_field(self, obj, field):
        # Django's builds a queryset to fall back on even when the relation is prefetched
        # (as terms.history.record does), which cost more than the rest of a version
        # (target: an import of 10,000 entries in <= 12x the time of 1,000). Its prefetch
        # cache is read as Django's own serializer reads it.
        prefetched = getattr(obj, "_prefetched_objects_cache", {}).get(field.name)
        auto = field.remote_field.through._meta.auto_created
        if prefetched is None or not auto or self.use_natural_foreign_keys:
            super().handle_m2m_field(obj, field)
        else:
            self._current[field.name] = [related.pk for related in prefetched]

    def get_dump_object(self, obj):
        data = super().get_dump_object(obj)
        data["children"] = {
            "use_cases": _rows(obj.use_cases.all(), USE_CASE_FIELDS),
            "equivalents": _rows(obj.provider_equivalents.all(), EQUIVALENT_FIELDS),
            "faqs": _rows(obj.faqs.all(), FAQ_FIELDS),
        }
        return data


class Deserializer(JSONDeserializer):
    """Django's: the term's fields as stored; "children" is read by terms.history."""
