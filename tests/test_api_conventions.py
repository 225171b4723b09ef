"""The conventions integrators expect of the API: URLs with or without their slash, links,
query parameters, sparse fieldsets, rate-limit, CORS and caching headers."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms.models import Term

from .conftest import make_term

API = "/api/v1"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def editor_api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


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
    assert "CSRF" in response.json()["detail"]


def test_schema_lists_each_url_once_with_its_slash(api, db):
    paths = api.get(f"{API}/schema/", {"format": "json"}).json()["paths"]

    assert f"{API}/terms/" in paths
    assert f"{API}/terms" not in paths
