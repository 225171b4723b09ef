"""The conventions integrators expect of the API: URLs with or without their slash, links,
query parameters, sparse fieldsets, rate-limit, CORS and caching headers."""

import time

import pytest
from rest_framework.test import APIClient

from terms.models import Term

from .conftest import error_messages, make_term

API = "/api/v1"


def names(response):
    return [item["name"] for item in response.json()["results"]]


# Trailing slashes


def test_list_without_its_slash_answers_with_the_query_kept(api, db):
    make_term("SageMaker Studio")
    make_term("Object Storage", category="storage")

    without = api.get(f"{API}/terms", {"search": "sagemaker"})
    with_slash = api.get(f"{API}/terms/", {"search": "sagemaker"})

    assert without.status_code == 200
    assert without.json() == with_slash.json() == without.json() | {"count": 1}


def test_detail_without_its_slash_keeps_the_asked_format(api, term):
    response = api.get(f"{API}/terms/model-training", {"format": "txt"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_write_without_the_slash_is_answered_by_the_api(editor_api, term):
    response = editor_api.delete(f"{API}/terms/model-training")

    assert response.status_code == 204
    assert not Term.objects.filter(slug="model-training").exists()


def test_session_write_without_the_slash_and_csrf_token_gets_a_json_403(editor, term):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.delete(f"{API}/terms/model-training")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "CSRF" in error_messages(response)[None][0]


def test_schema_lists_each_url_once_with_its_slash(api, db):
    paths = api.get(f"{API}/schema/", {"format": "json"}).json()["paths"]

    assert f"{API}/terms/" in paths
    assert f"{API}/terms" not in paths


# Query parameters


def test_unknown_query_parameter_is_a_400_naming_it_and_the_near_miss(api, db):
    response = api.get(f"{API}/terms/", {"categroy": "storage"})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["categroy"]
    assert "`category`" in error_messages(response)["categroy"][0]


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/terms/model-training/",
        f"{API}/categories/",
        f"{API}/providers/aws/",
        f"{API}/sync/",
    ],
)
def test_every_endpoint_refuses_parameters_it_does_not_read(api, term, url):
    response = api.get(url, {"foo": "bar"})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["foo"]


@pytest.mark.parametrize(
    "url", [f"{API}/trash/", f"{API}/webhooks/", f"{API}/webhooks/deliveries/"]
)
def test_staff_endpoints_refuse_parameters_they_do_not_read(editor_api, url):
    response = editor_api.get(url, {"foo": "bar"})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["foo"]


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (f"{API}/sync/", {"page_size": 5, "drafts": "true"}),
        (f"{API}/trash/", {"page": 1, "page_size": 5, "fields": "slug"}),
        (f"{API}/webhooks/", {"page": 1, "fields": "url,events"}),
        (f"{API}/webhooks/deliveries/", {"state": "failed", "event": "term.created"}),
    ],
)
def test_staff_endpoints_accept_their_own_parameters(editor_api, term, url, params):
    assert editor_api.get(url, params).status_code == 200


def test_equivalents_refuse_parameters_they_do_not_read(api, db):
    response = api.get(f"{API}/equivalents/", {"provider": "aws", "service": "S3", "page": 2})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["page"]


def test_known_parameters_are_accepted(api, term):
    response = api.get(
        f"{API}/terms/",
        {"format": "json", "page": 1, "page_size": 5, "fields": "name", "ordering": "name"},
    )

    assert response.status_code == 200


def test_repeated_parameter_is_a_400_asking_for_commas(api, db):
    response = api.get(f"{API}/terms/?category=storage&category=ai-ml")

    assert response.status_code == 400
    assert "comma-separated" in error_messages(response)["category"][0]


def test_repeated_ordering_is_a_400_not_the_last_one(api, db):
    response = api.get(f"{API}/terms/?ordering=-difficulty&ordering=name")

    assert response.status_code == 400
    assert list(error_messages(response)) == ["ordering"]


# Filters with several values


def test_category_filter_takes_several_slugs(api, db):
    make_term("In AI", category="ai-ml")
    make_term("In Storage", category="storage")
    make_term("In Compute", category="compute")

    response = api.get(f"{API}/terms/", {"category": "storage,ai-ml"})

    assert names(response) == ["In AI", "In Storage"]


def test_difficulty_filter_takes_several_levels(api, db):
    for level in ("beginner", "intermediate", "advanced"):
        make_term(level.title(), difficulty=level)

    response = api.get(f"{API}/terms/", {"difficulty": "beginner,advanced"})

    assert names(response) == ["Advanced", "Beginner"]


def test_provider_filter_takes_several_slugs(api, db):
    from terms.models import Provider, ProviderEquivalent

    on_aws, on_gcp, _ = make_term("On AWS"), make_term("On GCP"), make_term("Nowhere")
    ProviderEquivalent.objects.create(
        term=on_aws, provider=Provider.objects.get(slug="aws"), service="S3", position=0
    )
    ProviderEquivalent.objects.create(
        term=on_gcp, provider=Provider.objects.get(slug="gcp"), service="GCS", position=0
    )

    response = api.get(f"{API}/terms/", {"provider": "aws,gcp"})

    assert names(response) == ["On AWS", "On GCP"]


def test_one_unknown_slug_among_several_is_a_400(api, db):
    make_term("In AI", category="ai-ml")

    response = api.get(f"{API}/terms/", {"category": "ai-ml,no-such-category"})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["category"]


def test_search_with_several_categories_finds_in_each(api, db):
    make_term("Storage Gateway", category="storage")
    make_term("Gateway Endpoint", category="networking")
    make_term("API Gateway", category="compute")

    response = api.get(f"{API}/terms/", {"search": "gateway", "category": "storage,networking"})

    assert sorted(names(response)) == ["Gateway Endpoint", "Storage Gateway"]


# Ordering


@pytest.fixture
def levels(db):
    make_term("Zeta", difficulty="advanced")
    make_term("Alpha", difficulty="advanced")
    make_term("Mid", difficulty="intermediate")
    make_term("Start", difficulty="beginner")


def test_ordering_by_difficulty_goes_by_level(api, levels):
    response = api.get(f"{API}/terms/", {"ordering": "difficulty"})

    assert names(response) == ["Start", "Mid", "Alpha", "Zeta"]


def test_ordering_fields_combine(api, levels):
    response = api.get(f"{API}/terms/", {"ordering": "-difficulty,-name"})

    assert names(response) == ["Zeta", "Alpha", "Mid", "Start"]


def test_ties_are_broken_by_name(api, db):
    for name in ["b", "C", "a"]:
        make_term(name, difficulty="beginner")

    response = api.get(f"{API}/terms/", {"ordering": "-difficulty"})

    assert names(response) == ["a", "b", "C"]


def test_ordering_pages_neither_overlap_nor_skip(api, db):
    for i in range(7):
        make_term(f"Term {6 - i}", difficulty="beginner")

    pages = [
        names(api.get(f"{API}/terms/", {"ordering": "difficulty", "page_size": 3, "page": p}))
        for p in (1, 2, 3)
    ]

    assert sum(pages, []) == [f"Term {i}" for i in range(7)]


# Sparse fieldsets


def test_fields_selects_the_fields_of_each_listed_term(api, term):
    body = api.get(f"{API}/terms/", {"fields": "slug,name"}).json()

    assert body["count"] == 1
    assert body["results"] == [{"name": "Model Training", "slug": "model-training"}]


def test_fields_selects_the_fields_of_a_detail(api, term):
    body = api.get(f"{API}/terms/model-training/", {"fields": "name,faqs"}).json()

    assert list(body) == ["name", "faqs"]
    assert len(body["faqs"]) == 3


def test_fields_selects_the_fields_of_categories(api, term):
    body = api.get(f"{API}/categories/", {"fields": "slug"}).json()

    assert body == [{"slug": "ai-ml"}]


def test_unknown_field_is_a_400_naming_it(api, term):
    response = api.get(f"{API}/terms/model-training/", {"fields": "name,definiton"})

    assert response.status_code == 400
    assert list(error_messages(response)) == ["fields"]
    assert "`definiton`" in error_messages(response)["fields"][0]


@pytest.mark.parametrize("fields", [",", ""])
def test_fields_naming_none_gives_every_field(api, term, fields):
    body = api.get(f"{API}/terms/model-training/", {"fields": fields}).json()

    assert body == api.get(f"{API}/terms/model-training/").json()


# Links in payloads


def test_every_term_carries_its_api_url_and_its_page(api, term):
    item = api.get(f"{API}/terms/").json()["results"][0]

    assert item["url"] == "http://testserver/api/v1/terms/model-training/"
    assert item["html_url"] == "http://testserver/terms/model-training/"
    assert api.get(item["url"]).json()["name"] == "Model Training"


def test_categories_and_providers_carry_their_api_url(api, term):
    category = api.get(f"{API}/categories/").json()[0]
    provider = api.get(f"{API}/providers/aws/").json()

    assert api.get(category["url"]).json()["slug"] == "ai-ml"
    assert category["html_url"] == "http://testserver/categories/ai-ml/"
    assert provider["url"] == "http://testserver/api/v1/providers/aws/"
    assert provider["html_url"] == "http://testserver/providers/aws/"


def test_location_after_create_is_the_api_resource(editor_api, db):
    make_term("Block Storage", category="storage")
    payload = {
        "name": "Object Lock",
        "definition": "Keeps objects from change. For a while.",
        "category": "storage",
        "difficulty": "beginner",
    }

    response = editor_api.post(f"{API}/terms/", payload, format="json")

    assert response.status_code == 201
    assert response["Location"] == "http://testserver/api/v1/terms/object-lock/"
    assert editor_api.get(response["Location"])["Content-Type"] == "application/json"


def test_html_in_payloads_links_with_absolute_urls(api, db):
    from terms.models import FAQ

    make_term("Model Inference")
    term = make_term("Model Training", definition="Comes before [[Model Inference]]. Then more.")
    FAQ.objects.create(term=term, question="Where?", answer="See [the list](/terms/).", position=0)

    body = api.get(f"{API}/terms/model-training/").json()

    assert 'href="http://testserver/terms/model-inference/"' in body["definition_html"]
    assert 'href="http://testserver/terms/"' in body["faqs"][0]["answer_html"]
    assert 'href="/' not in body["definition_html"] + body["faqs"][0]["answer_html"]


# Slugs


def test_api_refuses_an_uppercase_slug_naming_it(editor_api, db):
    make_term("Block Storage", category="storage")
    payload = {
        "name": "Object Lock",
        "slug": "Object-Lock",
        "definition": "Keeps objects from change. For a while.",
        "category": "storage",
        "difficulty": "beginner",
    }

    response = editor_api.post(f"{API}/terms/", payload, format="json")

    assert response.status_code == 400
    assert "“object-lock”, not “Object-Lock”" in error_messages(response)["slug"][0]
    assert not Term.objects.filter(name="Object Lock").exists()


def test_api_refuses_a_slug_changed_to_another_case(editor_api, term):
    response = editor_api.patch(
        f"{API}/terms/model-training/", {"slug": "Model-Training"}, format="json"
    )

    assert response.status_code == 400
    assert list(error_messages(response)) == ["slug"]


def test_admin_refuses_an_uppercase_slug_on_the_field(client, editor):
    from tests.test_admin import ADD_URL, term_form

    from .conftest import make_category

    client.force_login(editor)
    data = term_form(make_category("storage"), slug="Object-Storage")

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "“object-storage”" in response.context["adminform"].form.errors["slug"][0]


# Rate-limit headers


@pytest.fixture
def low_rates(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"}
    )


def rate(response):
    return [response.get(h) for h in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")]


def test_every_answer_says_how_much_of_the_rate_is_left(api, term, low_rates):
    first = api.get(f"{API}/terms/")
    second = api.get(f"{API}/terms/model-training/")
    limited = api.get(f"{API}/categories/")

    assert rate(first)[:2] == ["2", "1"] and 0 < int(rate(first)[2]) <= 60
    assert rate(second)[:2] == ["2", "0"]
    assert limited.status_code == 429
    assert rate(limited)[:2] == ["2", "0"]
    assert rate(limited)[2] == limited["Retry-After"]


@pytest.mark.parametrize("url", [f"{API}/sync/", f"{API}/equivalents/?provider=aws&service=S3"])
def test_sync_and_equivalents_say_how_much_of_the_rate_is_left(api, term, low_rates, url):
    assert rate(api.get(url))[:2] == ["2", "1"]
    limited = [api.get(url), api.get(url)][-1]
    assert limited.status_code == 429 and rate(limited)[2] == limited["Retry-After"]


@pytest.mark.parametrize(
    "url", [f"{API}/trash/", f"{API}/webhooks/", f"{API}/webhooks/deliveries/"]
)
def test_staff_endpoints_say_how_much_of_the_rate_is_left(editor_api, low_rates, url):
    assert rate(editor_api.get(url))[:2] == ["3", "2"]


def test_a_token_client_sees_the_user_rate(editor_api, term, low_rates):
    assert rate(editor_api.get(f"{API}/terms/"))[:2] == ["3", "2"]


def test_a_write_carries_the_rate_too(editor_api, term, low_rates):
    response = editor_api.patch(f"{API}/terms/model-training/", {"aliases": []}, format="json")

    assert response.status_code == 200
    assert rate(response)[:2] == ["3", "2"]


@pytest.mark.parametrize("page", ["schema/", "docs/", "redoc/"])
def test_schema_and_docs_do_not_use_up_the_rate(api, term, low_rates, page):
    for _ in range(3):
        assert api.get(f"{API}/{page}").status_code == 200

    assert rate(api.get(f"{API}/terms/"))[:2] == ["2", "1"]


def test_a_read_from_the_page_cache_reports_the_rate_without_counting(
    api, term, low_rates, settings
):
    settings.PAGE_CACHE_SECONDS = 600
    api.get(f"{API}/terms/")

    hit = api.get(f"{API}/terms/")

    assert hit.status_code == 200
    assert rate(hit)[:2] == ["2", "1"]
    assert rate(api.get(f"{API}/terms/model-training/"))[:2] == ["2", "0"]


def test_a_cached_read_sees_other_processes_counts_within_a_second(
    api, term, low_rates, settings, monkeypatch
):
    from django.core.cache import cache

    from terms import api_headers

    settings.PAGE_CACHE_SECONDS = 600
    api.get(f"{API}/terms/")
    # Another app server counts a request for the same client: its history in the cache.
    key = "throttle_anon_127.0.0.1"
    assert len(cache.get(key)) == 1
    cache.set(key, [time.time(), *cache.get(key)])

    within_the_second = api.get(f"{API}/terms/")
    monkeypatch.setattr(api_headers.recent_counts, "max_age", 0)
    after_it = api.get(f"{API}/terms/")

    assert rate(within_the_second)[:2] == ["2", "1"]
    assert rate(after_it)[:2] == ["2", "0"]


# CORS


ORIGIN = "https://reader.example"
APP = "https://app.example"


def preflight(client, method, origin=ORIGIN, headers="authorization, content-type"):
    return client.options(
        f"{API}/terms/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_cross_origin_reads_expose_the_headers_clients_follow(api, term):
    response = api.get(f"{API}/terms/", HTTP_ORIGIN=ORIGIN)

    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {"ETag", "Last-Modified", "Location", "Retry-After"} <= exposed
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= exposed


def test_preflight_allows_conditional_request_headers(api, db):
    response = preflight(api, "GET", headers="if-none-match")

    allowed = response["Access-Control-Allow-Headers"]
    assert {"if-none-match", "if-match", "authorization"} <= set(allowed.split(", "))


def test_preflight_for_a_write_is_refused_to_an_origin_not_listed(api, db, settings):
    settings.CORS_WRITE_ORIGINS = [APP]

    methods = preflight(api, "POST")["Access-Control-Allow-Methods"]

    assert "POST" not in methods and "GET" in methods


def test_preflight_for_a_write_is_allowed_to_a_listed_origin(api, db, settings):
    settings.CORS_WRITE_ORIGINS = [APP]

    methods = preflight(api, "PATCH", origin=APP)["Access-Control-Allow-Methods"]

    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(methods.split(", "))


def test_no_origin_may_write_by_default(api, db, settings):
    assert settings.CORS_WRITE_ORIGINS == []

    assert "POST" not in preflight(api, "POST", origin=APP)["Access-Control-Allow-Methods"]


def test_a_write_answer_is_readable_by_a_listed_origin_only(editor_api, term, settings):
    settings.CORS_WRITE_ORIGINS = [APP]
    url = f"{API}/terms/model-training/"

    listed = editor_api.patch(url, {"aliases": ["A"]}, format="json", HTTP_ORIGIN=APP)
    other = editor_api.patch(url, {"aliases": ["B"]}, format="json", HTTP_ORIGIN=ORIGIN)

    assert listed["Access-Control-Allow-Origin"] in (APP, "*")
    assert "Access-Control-Allow-Origin" not in other


# Caching


def test_head_of_a_list_has_the_etag_of_its_get(api, term):
    etag = api.get(f"{API}/terms/")["ETag"]

    head = api.head(f"{API}/terms/")

    assert head.status_code == 200 and head["ETag"] == etag
    assert api.head(f"{API}/terms/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_anonymous_reads_may_be_kept_briefly_and_token_reads_are_private(api, editor_api, term):
    assert api.get(f"{API}/terms/")["Cache-Control"] == "max-age=60, must-revalidate"
    assert editor_api.get(f"{API}/terms/")["Cache-Control"] == "private, no-cache"


def test_anonymous_syncs_may_be_kept_briefly_and_token_syncs_are_private(api, editor_api, term):
    assert api.get(f"{API}/sync/")["Cache-Control"] == "max-age=60, must-revalidate"
    assert editor_api.get(f"{API}/sync/")["Cache-Control"] == "private, no-cache"


def test_a_400_asked_as_text_names_the_parameter_in_text(api, term):
    response = api.get(f"{API}/terms/model-training/", {"format": "txt", "foo": "1"})

    assert response.status_code == 400
    assert response.content.decode().startswith("foo: Unknown query parameter.")


def test_an_unsupported_method_is_a_405_whatever_its_parameters(editor_api, db):
    response = editor_api.put(f"{API}/categories/?fields=slug")

    assert response.status_code == 405


def test_schema_says_written_slugs_are_lowercase(api, db):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()

    slug = schema["components"]["schemas"]["TermWriteRequest"]["properties"]["slug"]
    assert slug["pattern"] == "^[-a-z0-9_]+$"


def test_a_cached_read_reports_the_throttle_nearest_its_limit(api, term, settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # Anonymous clients are counted by both throttles: here the user rate binds.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/minute", "user": "3/minute"}
    )
    settings.PAGE_CACHE_SECONDS = 600
    miss = api.get(f"{API}/terms/")

    hit = api.get(f"{API}/terms/")

    assert rate(miss)[:2] == ["3", "2"]
    assert rate(hit)[:2] == ["3", "2"]


def test_the_rate_left_counts_only_the_requests_inside_the_window():
    from terms.api_headers import rate_limit

    # Newest first, as DRF keeps them: three inside the last 60 s, two older.
    history = [1000.0, 990.0, 941.0, 940.0, 900.0]

    assert rate_limit(10, 60, history, now=1000.5) == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "7",
        "RateLimit-Reset": "1",  # 941 leaves the window at 1001
    }
    assert rate_limit(10, 60, [], now=1000.5)["RateLimit-Remaining"] == "10"
    assert rate_limit(2, 60, history, now=1000.5)["RateLimit-Remaining"] == "0"
