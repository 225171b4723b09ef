"""Every input has a bound, answered with a clear error before the work is done."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from terms import importers, rendering, textformat
from terms.models import Term
from tests.conftest import error_messages, make_category, make_term
from tests.test_admin import upload
from tests.test_importers import entry, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

IMPORT_URL = reverse("admin:terms_term_import")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def term_payload(**lists):
    make_category("ai-ml")
    return {
        "name": "Vector Index",
        "definition": "A structure for nearest-neighbour lookups. More.",
        "category": "ai-ml",
        "difficulty": "beginner",
        **lists,
    }


def faqs(count):
    return [{"question": f"Question {i}?", "answer": f"Answer {i}."} for i in range(count)]


# The entry format


def test_a_line_over_the_cap_is_refused_with_its_file_and_line():
    data = b"Name\nDefinition\n" + b"x" * (textformat.MAX_LINE_BYTES + 1) + b"\n"
    with pytest.raises(textformat.ParseErrors) as caught:
        textformat.decode(data, "big.txt")
    assert str(caught.value) == "big.txt:3: line over 64 KiB; split it into paragraphs"


def test_a_list_over_its_cap_is_refused_at_its_heading():
    items = "\n".join(f"- Question {i}?\n- Answer {i}." for i in range(51))
    text = entry("Alpha", extra=f"Frequently Asked Questions\n{items}")
    with pytest.raises(textformat.ParseErrors) as caught:
        textformat.parse(text, "a.txt")
    assert str(caught.value) == "a.txt:4: 'Frequently Asked Questions' lists 51 items; at most 50"


def test_cli_refuses_a_file_too_big_for_an_entry_without_reading_it(tmp_path, monkeypatch):
    big = write(tmp_path, "big.txt", b"x" * (importers.MAX_ENTRY_BYTES + 1))

    def no_reading(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(CommandError, match="1 problem found"):
        call_command("import_glossary", str(big))


def test_cli_names_the_file_too_big_for_an_entry(tmp_path, capsys):
    big = write(tmp_path, "big.txt", b"x" * (importers.MAX_ENTRY_BYTES + 1))
    with pytest.raises(CommandError):
        call_command("import_glossary", str(big))
    assert f"{big}: over 1024 KiB, too big for one entry; not read" in capsys.readouterr().err


def test_cli_refuses_an_over_long_single_line(tmp_path, capsys):
    line = "x" * (textformat.MAX_LINE_BYTES + 1)
    path = write(tmp_path, "a.txt", entry("Alpha", definition=line))
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path))
    assert "a.txt:3: line over 64 KiB" in capsys.readouterr().err
    assert not Term.objects.exists()


# Admin uploads


def test_admin_import_refuses_an_upload_over_the_cap_before_reading_it(editor_client):
    # The declared length decides: the body is never parsed, so its files never reach memory.
    response = editor_client.post(
        IMPORT_URL,
        {"files": [upload("a.txt", entry("Alpha").encode())]},
        CONTENT_LENGTH=str(importers.MAX_UPLOAD_BYTES + 2 * 2**20),
    )
    assert response.status_code == 413
    assert b"the upload is over 20 MiB; nothing was read" in response.content
    assert not Term.objects.exists()


def test_admin_import_still_checks_csrf(client, editor):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    response = csrf_client.post(IMPORT_URL, {"files": [upload("a.txt", entry("Alpha").encode())]})
    assert response.status_code == 403
    assert not Term.objects.exists()


def test_admin_import_refuses_a_file_too_big_for_an_entry(editor_client):
    big = upload("big.txt", b"x" * (importers.MAX_ENTRY_BYTES + 1))
    response = editor_client.post(IMPORT_URL, {"files": [big]})
    assert response.context["errors"] == ["big.txt: over 1024 KiB, too big for one entry; not read"]


def test_admin_import_checks_the_upload_size_before_reading(monkeypatch):
    class Upload:
        name, size = "huge.txt", importers.MAX_UPLOAD_BYTES + 1

        def read(self):
            raise AssertionError("read")

    with pytest.raises(importers.ImportFailed, match="more than 20 MiB"):
        importers.upload_sources([Upload()])


# API writes


@pytest.mark.parametrize(
    ("field", "item"),
    [
        ("faqs", {"question": "Q?", "answer": "A."}),
        ("use_cases", {"organization": "O", "title": "T", "description": "D", "outcome": "E"}),
        ("provider_equivalents", {"provider": "aws", "service": "S"}),
        ("aliases", "alias"),
    ],
)
def test_api_refuses_a_child_list_over_its_cap(editor_api, field, item):
    payload = term_payload(**{field: [item] * 51})
    response = editor_api.post("/api/v1/terms/", payload, format="json")
    assert response.status_code == 400
    assert error_messages(response) == {field: ["Ensure this field has no more than 50 elements."]}


def test_schema_documents_the_list_caps(api_schema):
    properties = api_schema["components"]["schemas"]["TermWriteRequest"]["properties"]
    caps = {name: prop.get("maxItems") for name, prop in properties.items()}
    assert caps["faqs"] == caps["use_cases"] == caps["provider_equivalents"] == 50
    assert caps["aliases"] == 50
    assert caps["related_terms"] == caps["see_also"] == 100


@pytest.fixture
def api_schema(client):
    return client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_a_term_write_costs_the_same_queries_for_one_faq_as_for_fifty(editor_api):
    make_term("Embedding")
    counts = []
    for name, count in (("One", 1), ("Fifty", 50)):
        payload = {**term_payload(faqs=faqs(count)), "name": name}
        with CaptureQueriesContext(connection) as queries:
            assert editor_api.post("/api/v1/terms/", payload, format="json").status_code == 201
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_deeply_nested_json_is_a_json_400(editor_api):
    response = editor_api.generic(
        "POST", "/api/v1/terms/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "code": "parse_error",
                "field": None,
                "message": "JSON parse error - nested too deeply",
            }
        ]
    }


def test_malformed_json_is_a_400_shaped_as_a_validation_error(editor_api):
    response = editor_api.generic("POST", "/api/v1/terms/", "{bad", content_type="application/json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["parse_error"]


def test_a_json_body_over_the_limit_is_a_json_413(editor_api, settings):
    body = json.dumps(term_payload(definition="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = editor_api.generic("POST", "/api/v1/terms/", body, content_type="application/json")
    assert response.status_code == 413
    assert error_messages(response) == {None: ["The request body is over the size limit."]}
    assert response.json()["errors"][0]["code"] == "body_too_large"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/nothing/", "/api/v1/terms/%C2%84/", "/api/v1/terms/a/b/"]
)
def test_unsafe_methods_on_unknown_api_paths_get_a_json_404(editor, method, path):
    # A session and CSRF checks on: the CSRF page must not answer for the API.
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = getattr(client, method)(path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"code": "not_found", "field": None, "message": "Not found."}
    ]


def test_a_server_error_under_the_api_is_json(monkeypatch, db):
    from terms import api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.TermViewSet, "list", broken)
    response = Client(raise_request_exception=False).get("/api/v1/terms/")
    assert response.status_code == 500
    assert response.json()["errors"] == [
        {"code": "server_error", "field": None, "message": "Server error."}
    ]


def test_a_server_error_on_a_page_stays_html(monkeypatch, db):
    from terms import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.TermListView, "get", broken)
    response = Client(raise_request_exception=False).get("/terms/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


# Summaries


def test_a_definition_without_a_full_stop_gives_a_capped_summary():
    summary = rendering.first_sentence("word " * 100_000)
    assert len(summary) <= rendering.MAX_SUMMARY
    assert summary.endswith("word\u2026")


def test_a_short_first_sentence_is_the_whole_summary():
    assert rendering.first_sentence("Short. Then more.") == "Short."


def test_a_stored_summary_is_capped(db):
    term = make_term("Long One", definition="long " * 1_000)
    term.refresh_from_db()
    assert len(term.summary) <= rendering.MAX_SUMMARY


# What the schema promises


def test_a_number_where_the_schema_says_text_is_refused(editor_api):
    payload = {**term_payload(), "name": 0, "faqs": [{"question": 1, "answer": "A."}]}
    response = editor_api.post("/api/v1/terms/", payload, format="json")
    assert response.status_code == 400
    assert error_messages(response) == {
        "name": ["Not a valid string."],
        "faqs[0].question": ["Not a valid string."],
    }


@pytest.mark.parametrize("size", ["null", "0", "-1", "1.5", "abc", "101", "500"])
def test_a_page_size_that_is_not_a_whole_number_from_one_to_100_is_a_400(client, size):
    response = client.get("/api/v1/terms/", {"page_size": size})
    assert response.status_code == 400
    assert list(error_messages(response)) == ["page_size"]


def test_schema_says_reads_need_no_credentials_and_writes_do(api_schema):
    terms = api_schema["paths"]["/api/v1/terms/"]
    assert {} in terms["get"]["security"]
    assert {} not in terms["post"]["security"]


def test_a_csrf_failure_under_the_api_is_json(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/api/v1/health/")
    assert response.status_code == 403
    assert error_messages(response)[None][0].startswith("CSRF Failed")


def test_a_csrf_failure_on_a_page_stays_html(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/admin/terms/term/add/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
