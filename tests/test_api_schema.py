"""Schemathesis drives every read endpoint from the OpenAPI schema, in process.

Zero server errors, and every response must match what the schema promises (status code,
content type, body). Examples are bounded so `make test` stays quick.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from terms.models import Provider, ProviderEquivalent

from .conftest import make_term

# Loaded through the app itself at collection time: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", get_wsgi_application()
).include(method="GET")


@pytest.fixture
def glossary(db, monkeypatch):
    """A few linked terms, so lookups by real slugs find something; no throttling."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    training = make_term("Model Training", children=3, aliases=["Training"])
    inference = make_term("Model Inference", category="ai-ml", children=2)
    storage = make_term("Object Storage", category="storage", difficulty="advanced")
    ProviderEquivalent.objects.create(
        term=storage, provider=Provider.objects.get(slug="aws"), service="Amazon S3"
    )
    training.related_terms.add(inference)
    training.see_also.add(storage)
    # As Django's test client does: a finished request must not close the connection that
    # holds the test's transaction (PostgreSQL would lose every row above).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_read_endpoints_honour_the_schema(case, glossary):
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    # A sparse fieldset (`fields=`) leaves out fields the schema marks required, as its
    # description says: OpenAPI cannot tie a response's shape to a parameter.
    if not (case.query or {}).get("fields"):
        checks.append(response_schema_conformance)
    case.call_and_validate(checks=checks)
