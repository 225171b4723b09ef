"""The term form's Markdown preview endpoint: the site's renderer, staff only."""

import pytest
from django.urls import reverse

from terms.admin_markdown import MAX_PREVIEW_CHARS
from tests.conftest import make_term

pytestmark = pytest.mark.django_db

URL = reverse("admin:terms_term_markdown_preview")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_a_definition_renders_markdown_and_links_to_other_terms(
    editor_client, django_assert_max_num_queries
):
    lake = make_term("Data Lake")
    make_term("Object Storage")
    text = "Keeps **raw** data, often in object storage, beside the [[Data Lake]]."
    with django_assert_max_num_queries(8):
        response = editor_client.post(URL, {"text": text, "kind": "definition"})
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>raw</strong>" in html
    assert f'href="{lake.get_absolute_url()}"' in html
    assert "/terms/object-storage/" in html  # the first mention of a name is linked too
    assert response.json()["missing_links"] == []


def test_an_answer_resolves_links_but_links_no_mentions(editor_client):
    make_term("Data Lake")
    make_term("Object Storage")
    text = "Object storage, or a [[Data Lake]]."
    response = editor_client.post(URL, {"text": text, "kind": "answer"})
    html = response.json()["html"]
    assert "/terms/data-lake/" in html
    assert "/terms/object-storage/" not in html


def test_the_edited_terms_own_name_is_not_linked(editor_client):
    storage = make_term("Object Storage")
    text = "Object storage keeps objects."
    response = editor_client.post(URL, {"text": text, "term": storage.pk})
    assert "<a" not in response.json()["html"]


def test_links_to_no_term_are_listed_and_shown_as_plain_text(editor_client):
    response = editor_client.post(URL, {"text": "See [[Nowhere Service]]."})
    assert response.json() == {
        "html": "<p>See Nowhere Service.</p>",
        "missing_links": ["Nowhere Service"],
    }


def test_script_in_the_text_is_removed(editor_client):
    response = editor_client.post(URL, {"text": "Hi <script>alert(1)</script> there"})
    assert "<script" not in response.json()["html"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "text: missing"),
        ({"text": "x", "kind": "summary"}, "kind: “summary” is not one of answer, definition."),
        ({"text": "x" * (MAX_PREVIEW_CHARS + 1)}, "text: over 100,000 characters"),
        ({"text": "x", "term": "999999"}, "term: no term with id “999999”."),
        ({"text": "x", "term": "abc"}, "term: no term with id “abc”."),
    ],
)
def test_bad_input_is_refused_naming_the_field(editor_client, data, error):
    response = editor_client.post(URL, data)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_get_is_refused(editor_client):
    assert editor_client.get(URL).status_code == 405


def test_staff_without_term_permissions_get_403(client, django_user_model):
    user = django_user_model.objects.create_user("guest", is_staff=True)
    client.force_login(user)
    assert client.post(URL, {"text": "x"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post(URL, {"text": "x"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
