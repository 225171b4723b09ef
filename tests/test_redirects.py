"""A term's old slugs: 301 on the site and in the API, seen by sync clients, and not free for
another term until editors delete the redirect."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from terms import importers, textformat, writing
from terms.models import Change, SlugRedirect, Term
from tests.conftest import error_messages, make_category, make_term

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def renamed(db):
    """Bucket, whose slug was "pail" until now."""
    term = make_term("Bucket", slug="pail")
    writing.replace_term(term, {"slug": "bucket"})
    return term


def test_a_slug_change_through_the_api_keeps_the_old_one(editor_api, api):
    make_term("Bucket", slug="pail")
    response = editor_api.patch(f"{API}/terms/pail/", {"slug": "bucket"}, format="json")
    assert response.status_code == 200
    assert SlugRedirect.objects.get(slug="pail").term.slug == "bucket"
    assert api.get("/terms/pail/").status_code == 301


def test_the_old_page_moved_for_good(client, renamed):
    response = client.get("/terms/pail/?ref=mail")
    assert response.status_code == 301
    assert response["Location"] == "/terms/bucket/?ref=mail"


def test_the_old_api_url_moved_for_good_with_its_query(api, renamed):
    response = api.get(f"{API}/terms/pail/?format=json&fields=name")
    assert response.status_code == 301
    assert response["Location"] == f"{API}/terms/bucket/?format=json&fields=name"
    assert api.get(response["Location"]).status_code == 200


def test_an_unknown_slug_is_still_404(api, client, renamed):
    assert client.get("/terms/bucket-list/").status_code == 404
    assert api.get(f"{API}/terms/bucket-list/").status_code == 404


def test_an_old_slug_of_an_unpublished_term_is_404_for_readers(api, client, renamed):
    writing.replace_term(renamed, {"status": "draft", "published_at": None})
    assert client.get("/terms/pail/").status_code == 404
    assert api.get(f"{API}/terms/pail/").status_code == 404


def test_every_old_slug_leads_to_the_current_one(client, renamed):
    writing.replace_term(renamed, {"slug": "storage-bucket"})
    assert client.get("/terms/pail/")["Location"] == "/terms/storage-bucket/"
    assert client.get("/terms/bucket/")["Location"] == "/terms/storage-bucket/"


def test_taking_back_an_old_slug_drops_its_redirect(client, renamed):
    writing.replace_term(renamed, {"slug": "pail"})
    assert list(SlugRedirect.objects.values_list("slug", flat=True)) == ["bucket"]
    assert client.get("/terms/pail/").status_code == 200


def test_sync_clients_see_the_new_slug_under_the_same_id(api, renamed):
    token = api.get(f"{API}/sync/").json()["next_sync_token"]
    writing.replace_term(renamed, {"slug": "storage-bucket"})
    assert Change.objects.latest("id").slug == "storage-bucket"
    body = api.get(f"{API}/sync/", {"token": token}).json()
    assert [(item["id"], item["slug"]) for item in body["items"]] == [
        (renamed.pk, "storage-bucket")
    ]
    assert body["deleted"] == []


def test_a_new_term_may_not_take_a_slug_that_redirects(editor_api, renamed):
    make_category("storage")
    payload = {
        "name": "Pail",
        "definition": "A pail holds water.",
        "category": "storage",
        "difficulty": "beginner",
    }
    response = editor_api.post(f"{API}/terms/", payload, format="json")
    assert response.status_code == 400
    assert "old slug of “Bucket”" in error_messages(response)["name"][0]


def test_the_admin_form_refuses_a_slug_that_redirects(renamed):
    term = Term(name="Pail", slug="pail", category=make_category(), difficulty="beginner")
    with pytest.raises(ValidationError) as refused:
        term.validate_unique()
    assert "old slug of “Bucket”" in refused.value.message_dict["slug"][0]


def test_the_importer_refuses_a_slug_that_redirects(renamed):
    text = "Pail\nDefinition\nA pail holds water.\nCategory: ai-ml\nDifficulty: beginner\n"
    entry = textformat.parse(text, "pail.txt")
    with pytest.raises(importers.ImportFailed) as refused:
        importers.import_entries([entry])
    assert refused.value.errors[0].startswith("pail.txt:1: The slug “pail” is an old slug of")


def test_deleting_the_redirect_frees_the_slug(renamed):
    SlugRedirect.objects.get(slug="pail").delete()
    term = Term(name="Pail", slug="pail", category=make_category(), difficulty="beginner")
    term.validate_unique()
    writing.replace_term(term, {"definition": "A pail holds water."})
    assert Term.objects.get(slug="pail").name == "Pail"


def test_editors_free_a_slug_in_the_admin(client, editor, renamed):
    client.force_login(editor)
    redirect = SlugRedirect.objects.get(slug="pail")
    url = f"/admin/terms/slugredirect/{redirect.pk}/delete/"
    assert client.get("/admin/terms/slugredirect/").status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not SlugRedirect.objects.exists()


def test_an_old_slug_redirects_to_one_term_only(renamed):
    other = make_term("Pot")
    with pytest.raises(IntegrityError), transaction.atomic():
        SlugRedirect.objects.create(slug="pail", term=other)


def test_an_old_slug_is_never_empty(renamed):
    with (
        pytest.raises(IntegrityError, match="slugredirect_slug_not_empty|CHECK"),
        transaction.atomic(),
    ):
        SlugRedirect.objects.create(slug="", term=renamed)


def test_a_moved_page_takes_few_queries(client, renamed, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/terms/pail/").status_code == 301
