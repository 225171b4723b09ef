"""Anonymous pages and API reads from the shared cache: hits look like misses, and every
content change is seen on the next request. The two-server and Redis-outage checks run real
processes in tests/test_page_cache_servers.py."""

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import page_cache
from terms.models import Category, ContentGeneration, Provider
from tests.conftest import age_content, make_term

API = "/api/v1"
# What a reader could tell a hit and a miss apart by, besides speed.
COMPARED = (
    "ETag",
    "Last-Modified",
    "Content-Security-Policy",
    "Content-Type",
    "Cache-Control",
    "Vary",
    "X-Frame-Options",
    "Content-Length",
)


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


def seen(response):
    return response.status_code, response.content, {h: response.get(h) for h in COMPARED}


@pytest.fixture
def token_client(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def test_a_hit_reads_only_the_content_generation(client, term, django_assert_num_queries):
    client.get(term.get_absolute_url())

    with django_assert_num_queries(1):
        response = client.get(term.get_absolute_url())

    assert response.status_code == 200 and b"Model Training" in response.content


@pytest.mark.parametrize("path", ["/terms/model-training/", "/terms/", "/compare/", "/search/?q=model", f"{API}/terms/model-training/", f"{API}/terms/?page_size=50"])  # fmt: skip
def test_a_hit_answers_as_its_miss_did(client, term, path, django_assert_num_queries):
    miss = client.get(path)
    with django_assert_num_queries(1):
        hit = client.get(path)

    assert seen(hit) == seen(miss)
    assert miss.status_code == 200 and miss["ETag"]


def test_an_api_edit_is_on_the_next_anonymous_read_of_page_and_api(client, term, token_client):
    client.get(term.get_absolute_url())
    client.get(f"{API}/terms/{term.slug}/")

    edited = token_client.patch(
        f"{API}/terms/{term.slug}/", {"definition": "Now defined anew."}, format="json"
    )

    assert edited.status_code == 200
    assert b"Now defined anew." in client.get(term.get_absolute_url()).content
    assert client.get(f"{API}/terms/{term.slug}/").json()["definition"] == "Now defined anew."


def test_a_deleted_term_is_gone_from_the_next_list(client, term):
    make_term("Other Term")
    assert b"Model Training" in client.get("/terms/").content

    term.delete()

    assert b"Model Training" not in client.get("/terms/").content
    assert client.get("/terms/model-training/").status_code == 404


def test_a_new_category_without_terms_is_on_the_next_category_list(client, term):
    client.get("/categories/")

    Category.objects.create(slug="quantum", name="Quantum")

    assert client.get("/categories/quantum/").status_code == 200
    assert b"Quantum" in client.get("/categories/").content


def test_a_renamed_provider_is_on_the_next_provider_list(client, term):
    provider = Provider.objects.first()
    client.get("/providers/")

    provider.name = "Renamed Cloud"
    provider.save()

    assert b"Renamed Cloud" in client.get("/providers/").content


def test_api_formats_asked_by_accept_are_cached_apart(client, term):
    as_json = client.get(f"{API}/terms/{term.slug}/", HTTP_ACCEPT="application/json")
    as_html = client.get(f"{API}/terms/{term.slug}/", HTTP_ACCEPT="text/html")
    again = client.get(f"{API}/terms/{term.slug}/", HTTP_ACCEPT="application/json")

    assert as_json["Content-Type"] == again["Content-Type"] == "application/json"
    assert as_html["Content-Type"].startswith("text/html")


def test_head_and_get_are_cached_apart(client, term):
    head = client.head(term.get_absolute_url())
    get = client.get(term.get_absolute_url())

    assert head.status_code == get.status_code == 200
    assert head.content == b"" and b"Model Training" in get.content


def test_a_conditional_request_on_a_hit_gets_304(client, term, django_assert_num_queries):
    etag = client.get(term.get_absolute_url())["ETag"]

    with django_assert_num_queries(1):
        response = client.get(term.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304 and response["ETag"] == etag


def test_a_signed_in_editor_is_never_served_from_the_cache(client, term, editor):
    client.get(term.get_absolute_url())
    client.force_login(editor)

    response = client.get(term.get_absolute_url())

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_a_token_client_is_never_served_from_the_cache(client, term, token_client):
    client.get(f"{API}/terms/{term.slug}/")

    response = token_client.get(f"{API}/terms/{term.slug}/")

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"


def test_anonymous_pages_and_api_reads_are_kept_briefly_then_revalidated(client, term, settings):
    settings.PAGE_MAX_AGE = 60
    for path in (term.get_absolute_url(), f"{API}/terms/{term.slug}/"):
        assert client.get(path)["Cache-Control"] == "max-age=60, must-revalidate"


def test_a_new_host_is_a_new_entry(client, term, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    client.get(term.get_absolute_url(), HTTP_HOST="a.example")

    response = client.get(term.get_absolute_url(), HTTP_HOST="b.example")

    assert b"http://b.example/terms/model-training/" in response.content


def test_a_host_not_allowed_still_gets_400(client, term):
    client.raise_request_exception = False

    assert client.get(term.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_liveness_reads_no_generation(client):
    # No `db` fixture: pytest-django makes any database access raise.
    assert client.get(f"{API}/health/").status_code == 200


def test_an_unreachable_database_answers_503_before_the_view(client, db, monkeypatch):
    from django.db import OperationalError

    from terms.models import ContentGeneration

    def down():
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(ContentGeneration.objects, "current", down)

    response = client.get("/terms/")

    assert response.status_code == 503 and int(response["Retry-After"]) > 0


def test_nothing_is_cached_without_a_generation_row(client, term):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from terms.models import ContentGeneration

    ContentGeneration.objects.all().delete()
    client.get(term.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        response = client.get(term.get_absolute_url())

    assert response.status_code == 200 and len(queries) > 1


def response_with(**headers):
    response = HttpResponse("page")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@pytest.mark.parametrize(
    ("headers", "storable"),
    [
        ({}, True),
        ({"Vary": "Accept, Cookie, Origin"}, True),
        ({"Vary": "Accept-Language"}, False),
        ({"Cache_Control": "private"}, False),
        ({"Cache_Control": "no-cache, no-store"}, False),
        ({"Content_Security_Policy": "script-src 'self' 'nonce-abc'"}, False),
    ],
)
def test_only_responses_the_same_for_every_anonymous_reader_are_stored(headers, storable):
    assert page_cache._storable(response_with(**headers)) is storable


def test_a_response_setting_a_cookie_is_not_stored():
    response = response_with()
    response.set_cookie("csrftoken", "x")

    assert not page_cache._storable(response)


def test_process_memory_forgets_every_entry_when_a_new_generation_is_seen():
    memory = page_cache.ProcessMemory(max_bytes=1000)
    memory.put(1, "page", (200, [], b"old"))

    assert memory.get(1, "page") == (200, [], b"old")
    assert memory.get(2, "page") is None
    assert memory.get(1, "page") is None


def test_process_memory_drops_the_least_recently_used_past_its_size():
    memory = page_cache.ProcessMemory(max_bytes=10)
    memory.put(1, "a", (200, [], b"aaaa"))
    memory.put(1, "b", (200, [], b"bbbb"))
    memory.get(1, "a")
    memory.put(1, "c", (200, [], b"cccc"))

    assert [memory.get(1, k) is not None for k in "abc"] == [True, False, True]


def test_a_hit_answers_if_modified_since_and_if_match_as_a_miss(client, term):
    age_content()  # Last-Modified is left out while the newest change's second lasts
    first = client.get(term.get_absolute_url())
    last_modified = first["Last-Modified"]

    unmodified = client.get(term.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=last_modified)
    mismatch = client.get(term.get_absolute_url(), HTTP_IF_MATCH='"another"')

    assert first.status_code == 200 and last_modified
    assert unmodified.status_code == 304
    assert mismatch.status_code == 412


POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared generation read"
)


@POSTGRESQL
def test_the_prepared_generation_read_follows_each_change_and_a_new_connection(
    transactional_db,
):
    ContentGeneration.objects.get_or_create(pk=1)  # a transactional test starts flushed
    before = ContentGeneration.objects.current()
    ContentGeneration.objects.bump()
    assert ContentGeneration.objects.current() == before + 1
    connection.close()
    # A new connection has no prepared statement yet: it is prepared again.
    assert ContentGeneration.objects.current() == before + 1
    # While queries are counted (tests' ceilings, DEBUG) it is counted as one.
    with CaptureQueriesContext(connection) as captured:
        assert ContentGeneration.objects.current() == before + 1
    assert len(captured) == 1


@POSTGRESQL
def test_a_hit_on_a_connection_the_server_ended_reads_again_on_a_new_one(transactional_db):
    ContentGeneration.objects.get_or_create(pk=1)
    expected = ContentGeneration.objects.current()
    ended = connection.connection
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended.info.backend_pid])
    finally:
        other.close()
    connection.health_check_done = True  # as after this request's check
    with pytest.raises(OperationalError):
        ContentGeneration.objects.current()

    connection.health_check_done = False  # the next request's
    assert page_cache.current_generation() == expected
    assert connection.connection is not ended
