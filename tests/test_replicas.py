"""Which database a read goes to when replicas are configured (glossary/replicas.py).

The real thing, a streaming replica that lags, is in tests/test_production.py.
"""

import json

import pytest
from django.db import transaction
from django.test import RequestFactory

from glossary.replicas import PrimaryForEditorsMiddleware, PrimaryReplicaRouter, reads_from
from terms.models import Term

router = PrimaryReplicaRouter()


@pytest.fixture(autouse=True)
def _replicas(settings):
    settings.DATABASE_REPLICAS = ["replica1"]


def read_from(request):
    """The database a read of a term goes to while `request` is served."""
    seen = []

    def view(request):
        seen.append(router.db_for_read(Term))

    PrimaryForEditorsMiddleware(view)(request)
    return seen[0]


factory = RequestFactory()


def test_an_anonymous_page_read_goes_to_a_replica():
    assert read_from(factory.get("/terms/")) == "replica1"


def test_a_read_by_a_signed_in_reader_goes_to_the_primary(settings):
    request = factory.get("/terms/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"

    assert read_from(request) == "default"


def test_an_api_read_with_credentials_goes_to_the_primary():
    assert read_from(factory.get("/api/v1/terms/", HTTP_AUTHORIZATION="Token x")) == "default"


def test_an_admin_read_goes_to_the_primary():
    assert read_from(factory.get("/admin/login/")) == "default"


def test_every_read_of_a_write_request_goes_to_the_primary():
    assert read_from(factory.post("/api/v1/terms/")) == "default"


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_goes_to_the_primary():
    token = reads_from.set("replica1")
    try:
        with transaction.atomic():
            assert router.db_for_read(Term) == "default"
        assert router.db_for_read(Term) == "replica1"
    finally:
        reads_from.reset(token)


def test_reads_outside_a_request_go_to_the_primary():
    assert router.db_for_read(Term) == "default"


def test_writes_and_migrations_go_to_the_primary_only():
    assert router.db_for_write(Term) == "default"
    assert router.allow_migrate("default", "terms")
    assert not router.allow_migrate("replica1", "terms")


def test_the_choice_is_undone_when_the_request_ends():
    read_from(factory.get("/terms/"))

    assert reads_from.get() == "default"


def test_every_read_of_one_request_goes_to_the_same_replica(settings):
    settings.DATABASE_REPLICAS = [f"replica{n}" for n in range(1, 21)]
    seen = []

    def view(request):
        seen.extend(router.db_for_read(Term) for _ in range(10))

    PrimaryForEditorsMiddleware(view)(factory.get("/terms/"))

    assert len(set(seen)) == 1 and seen[0] != "default"


def test_without_replicas_every_request_reads_the_primary(settings):
    settings.DATABASE_REPLICAS = []

    assert read_from(factory.get("/terms/")) == "default"


def test_each_replica_url_becomes_a_persistent_checked_connection_to_postgresql():
    from tests.test_deploy import run_in

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES['replica2']; print(json.dumps([s.DATABASE_REPLICAS, "
        "s.DATABASE_ROUTERS, r['ENGINE'], r['PORT'], r['CONN_MAX_AGE'], "
        "r['CONN_HEALTH_CHECKS'], r['TEST']['MIRROR']]))"
    )
    urls = "postgres://u@replica-a:5432/g, postgres://u@replica-b:5433/g"
    env = {"DJANGO_SETTINGS_MODULE": "glossary.settings", "DATABASE_REPLICA_URLS": urls}

    result = run_in(env, "-c", code)

    assert json.loads(result.stdout) == [
        ["replica1", "replica2"],
        ["glossary.replicas.PrimaryReplicaRouter"],
        "glossary.postgresql",
        5433,
        600,
        True,
        "default",
    ]
