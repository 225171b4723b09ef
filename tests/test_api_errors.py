"""One error shape everywhere under /api/, each error with a machine-readable code, as the
schema's `Error` component documents it; writes take JSON only."""

import jsonschema
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from terms.models import Term

from .conftest import make_category

API = "/api/v1"


@pytest.fixture
def api(db):
    return APIClient()


@pytest.fixture
def editor_api(editor):
    make_category("storage")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def codes(response):
    """(code, field) of each error, after checking the body has the one shape."""
    body = response.json()
    assert set(body) - {"current_etag"} == {"errors"}
    assert all(set(error) == {"code", "field", "message"} for error in body["errors"])
    return [(error["code"], error["field"]) for error in body["errors"]]


def payload(**fields):
    return {
        "name": "Block Storage",
        "definition": "Storage in fixed-size blocks. Disks are made of it.",
        "category": "storage",
        "difficulty": "beginner",
        **fields,
    }


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "name=Block+Storage&aliases=a&aliases=b"),
        ("multipart/form-data; boundary=+++", "--+++\r\n"),
        ("text/plain", "Block Storage"),
    ],
)
def test_a_write_that_is_not_json_gets_415(editor_api, term, content_type, body):
    response = editor_api.generic("PATCH", f"{API}/terms/model-training/", body, content_type)

    assert response.status_code == 415
    assert codes(response) == [("unsupported_media_type", None)]
    assert Term.objects.get(slug="model-training").aliases == []


def test_a_key_that_is_not_a_field_is_a_400_naming_it(editor_api, db):
    response = editor_api.post(f"{API}/terms/", payload(difficutly="advanced"), format="json")

    assert response.status_code == 400
    assert codes(response) == [("unknown_field", "difficutly")]
    assert not Term.objects.filter(name="Block Storage").exists()


def test_a_read_only_field_in_a_write_is_a_400_naming_it(editor_api, term):
    response = editor_api.patch(
        f"{API}/terms/model-training/", {"definition_html": "<p>Mine.</p>"}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("unknown_field", "definition_html")]


def test_an_unknown_key_in_a_child_is_named_by_its_path(editor_api, db):
    faqs = [{"question": "Q?", "answer": "A.", "anwser": "typo"}]

    response = editor_api.post(f"{API}/terms/", payload(faqs=faqs), format="json")

    assert codes(response) == [("unknown_field", "faqs[0].anwser")]


def test_unknown_keys_are_reported_with_the_other_field_errors(editor_api, db):
    body = payload(difficulty="hard", faqs=[{"question": "Q?"}], colour="blue")

    response = editor_api.post(f"{API}/terms/", body, format="json")

    assert sorted(codes(response)) == [
        ("invalid_choice", "difficulty"),
        ("required", "faqs[0].answer"),
        ("unknown_field", "colour"),
    ]


def test_a_missing_term_is_a_404_with_a_code(api):
    response = api.get(f"{API}/terms/no-such-term/")

    assert response.status_code == 404
    assert codes(response) == [("not_found", None)]


def test_a_method_the_url_does_not_take_is_a_405_with_a_code(editor_api):
    response = editor_api.post(f"{API}/categories/", {}, format="json")

    assert response.status_code == 405
    assert codes(response) == [("method_not_allowed", None)]


def test_an_accept_no_renderer_meets_is_a_406_with_a_code(api):
    response = api.get(f"{API}/terms/", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert codes(response) == [("not_acceptable", None)]


def test_a_bad_token_is_a_401_with_a_code(db):
    response = APIClient().get(f"{API}/terms/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert codes(response) == [("authentication_failed", None)]


def test_a_write_without_credentials_is_a_401_with_a_code(api):
    response = api.post(f"{API}/terms/", payload(), format="json")

    assert response.status_code == 401
    assert codes(response) == [("not_authenticated", None)]


def test_a_stale_if_match_is_a_412_with_a_code_and_the_current_etag(editor_api, term):
    response = editor_api.patch(
        f"{API}/terms/model-training/", {"aliases": ["x"]}, format="json", HTTP_IF_MATCH='"0"'
    )

    assert response.status_code == 412
    assert codes(response) == [("precondition_failed", None)]
    assert response.json()["current_etag"] == response["ETag"]


def test_a_rate_limited_client_gets_a_429_with_a_code(api, term, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/minute", "user": None})
    api.get(f"{API}/terms/")

    response = api.get(f"{API}/terms/")

    assert response.status_code == 429
    assert codes(response) == [("throttled", None)]


def test_a_body_that_is_not_json_is_a_400_parse_error(editor_api, db):
    response = editor_api.generic("POST", f"{API}/terms/", "{bad", "application/json")

    assert response.status_code == 400
    assert codes(response) == [("parse_error", None)]


def test_an_unknown_api_url_is_a_404_with_a_code(db):
    response = Client().get(f"{API}/no-such-thing/")

    assert response.status_code == 404
    assert codes(response) == [("not_found", None)]


def test_a_bad_filter_value_names_its_parameter_with_a_code(api):
    response = api.get(f"{API}/terms/", {"difficulty": "impossible"})

    assert response.status_code == 400
    assert codes(response) == [("invalid_choice", "difficulty")]


def test_errors_of_the_text_format_are_text(api, db):
    response = api.get(f"{API}/terms/no-such-term/text/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "No Term matches the given query.\n"


def test_the_text_format_has_its_own_url(api, term):
    response = api.get(f"{API}/terms/model-training/text/")

    assert response.status_code == 200
    assert response.content.decode().startswith("Model Training\nDefinition\n")
    assert response["ETag"] != api.get(f"{API}/terms/model-training/")["ETag"]


def test_the_schema_documents_every_error_as_the_one_shape(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    refs = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    json = response["content"].get("application/json", {})
                    refs.add(json.get("schema", {}).get("$ref"))
    assert refs == {"#/components/schemas/Error", "#/components/schemas/PreconditionFailed"}


def test_the_schema_refuses_unknown_keys_in_bodies(api):
    schemas = api.get(f"{API}/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["TermWriteRequest"]["additionalProperties"] is False
    assert schemas["FAQWriteRequest"]["additionalProperties"] is False


def test_the_schema_offers_json_bodies_only(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    bodies = {
        content_type
        for operations in schema["paths"].values()
        for operation in operations.values()
        for content_type in operation.get("requestBody", {}).get("content", {})
    }
    assert bodies == {"application/json"}


def test_the_schema_says_the_slug_is_always_there(api):
    schemas = api.get(f"{API}/schema/", {"format": "json"}).json()["components"]["schemas"]
    for name in ("TermSummary", "TermDetail", "TermLink"):
        assert "slug" in schemas[name]["required"]
        assert "oneOf" not in schemas[name]["properties"]["slug"]
    assert "oneOf" not in schemas["Provider"]["properties"]["website"]


def test_the_schema_documents_equivalents_as_one_object(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    operation = schema["paths"][f"{API}/equivalents/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]
    assert operation["operationId"] == "equivalents_lookup"
    assert body["schema"] == {"$ref": "#/components/schemas/EquivalentResult"}


def test_the_schema_documents_headers_and_conditional_reads(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    terms = schema["paths"][f"{API}/terms/"]
    assert set(terms["get"]["responses"]["200"]["headers"]) == {"ETag", "Last-Modified"}
    assert "304" in terms["get"]["responses"]
    assert "Retry-After" in terms["get"]["responses"]["429"]["headers"]
    assert "Location" in terms["post"]["responses"]["201"]["headers"]
    assert {"415", "413", "401", "403"} <= set(terms["post"]["responses"])


def test_every_operation_has_an_example_of_each_answer_with_a_body(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    where = (operation["operationId"], status, media_type)
                    assert media.get("examples") or status >= "400", where
            # Errors: an example of the shape.
            assert operation["responses"]["429"]["content"]["application/json"]["examples"]


def json_schema(openapi):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` as a null type, refs to `$defs`."""
    if isinstance(openapi, list):
        return [json_schema(item) for item in openapi]
    if not isinstance(openapi, dict):
        return openapi
    schema = {key: json_schema(value) for key, value in openapi.items() if key != "nullable"}
    if "$ref" in schema:
        schema["$ref"] = schema["$ref"].replace("#/components/schemas/", "#/$defs/")
    if openapi.get("nullable"):
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def test_every_example_answer_fits_its_schema(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    definitions = json_schema(schema["components"]["schemas"])
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    validator = jsonschema.Draft202012Validator(
                        json_schema(media["schema"]) | {"$defs": definitions}
                    )
                    for example in media.get("examples", {}).values():
                        errors = [e.message for e in validator.iter_errors(example["value"])]
                        assert not errors, (operation["operationId"], status, errors)


def test_public_descriptions_hold_no_code_notes(api):
    schemas = api.get(f"{API}/schema/", {"format": "json"}).json()["components"]["schemas"]
    descriptions = [schema.get("description", "") for schema in schemas.values()]
    assert not any("`represent`" in text or "Serializer" in text for text in descriptions)


def test_the_schema_says_what_answers_methods_and_urls_it_does_not_list(api):
    description = api.get(f"{API}/schema/", {"format": "json"}).json()["info"]["description"]
    assert "`405`" in description and "`404`" in description


def test_a_host_the_site_does_not_serve_gets_a_400_in_the_shape(db):
    response = Client().get(f"{API}/terms/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert codes(response) == [("bad_request", None)]


def test_a_host_the_site_does_not_serve_gets_a_page_outside_the_api(db):
    response = Client().get("/terms/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_unknown_linked_slugs_are_reported_with_the_field_errors(editor_api, term):
    body = payload(faqs=[{"question": "Q?"}], related_terms=["model-training", "nope"])

    response = editor_api.post(f"{API}/terms/", body, format="json")

    assert sorted(codes(response)) == [
        ("does_not_exist", "related_terms[1]"),
        ("required", "faqs[0].answer"),
    ]
