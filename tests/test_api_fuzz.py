"""Schemathesis with every check on every operation, reads and writes, anonymous and with an
editor's token: no server error, and every answer as the schema documents it."""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
)

from terms.models import Provider, ProviderEquivalent

from .conftest import make_term

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())

# 400s a schema cannot foresee: the rules that depend on what is stored (a slug no object
# has, a name taken) or across items (a repeated question, a name that makes no slug), and
# Django's URL validator, stricter than `format: uri` (a dotted host, a known scheme), and
# text no column can hold or that is only whitespace (DRF trims it): a NUL, a lone surrogate;
# and a sync token the server did not sign (only it can make one).
BEYOND_THE_SCHEMA = re.compile(
    r"Null characters are not allowed\.|Surrogate characters are not allowed: U\+[0-9A-F]+\."
    r"|This field may not be blank\.|"
    r"Object with slug=.* does not exist\.|A term with this name already exists\."
    r"|Select a valid choice\. That choice is not one of the available choices\."
    r"|Enter a valid URL\."
    r"|The slug “.*” is taken by another term\.|No term has the slug “.*”\."
    r"|A term cannot point to itself\.|Duplicate in this list\."
    r"|Give a slug: none can be made from this name\."
    r"|Not a sync token from this glossary: start again without one\."
    r"|The token says otherwise: leave it out\.",
    re.DOTALL,
)


@schemathesis.check
def positive_data_accepted_but_for_business_rules(ctx, response, case):
    """Schemathesis's positive_data_acceptance, except for a 400 whose every message is one
    of the BEYOND_THE_SCHEMA, and a 412: an If-Match that names no current version is about
    what is stored, not the request's shape."""
    if response.status_code == 412:
        return None
    if response.status_code == 400 and "json" in response.headers.get("content-type", [""])[0]:
        messages = [error["message"] for error in response.json()["errors"]]
        if messages and all(BEYOND_THE_SCHEMA.fullmatch(m) for m in messages):
            return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def negative_data_rejected_or_stale(ctx, response, case):
    """Schemathesis's negative_data_rejection, with 412 a rejection too: a write's If-Match
    is checked before its body."""
    if response.status_code == 412:
        return None
    return negative_data_rejection(ctx, response, case)


@pytest.fixture
def glossary(db, monkeypatch):
    """A few linked terms, so lookups by real slugs find something; no throttling."""
    rates = {"anon": None, "user": None, "invalid_token": None}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    training = make_term("Model Training", children=3, aliases=["Training"])
    inference = make_term("Model Inference", category="ai-ml", children=2)
    storage = make_term("Object Storage", category="storage", difficulty="advanced")
    ProviderEquivalent.objects.create(
        term=storage, provider=Provider.objects.get(slug="aws"), service="Amazon S3"
    )
    training.related_terms.add(inference)
    training.see_also.add(storage)
    # As Django's test client does: a finished request must not close the connection that
    # holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "editor"])
def headers(request, glossary, fast_password_hashing, editor):
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Token {Token.objects.create(user=editor).key}"}


@schema.parametrize()
@settings(
    max_examples=15,
    # The same cases on every run: `make test` must not pass or fail by chance.
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_honours_the_schema(case, headers):
    excluded = [positive_data_acceptance]
    if (case.query or {}).get("fields"):
        # A sparse fieldset leaves out fields the schema marks required: it says so, in
        # words, as OpenAPI cannot tie a response's shape to a parameter.
        excluded.append(response_schema_conformance)
    case.call_and_validate(
        headers=headers,
        excluded_checks=[*excluded, negative_data_rejection],
        additional_checks=[
            positive_data_accepted_but_for_business_rules,
            negative_data_rejected_or_stale,
        ],
    )
