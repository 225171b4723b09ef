"""The admin import page: a per-term diff in its preview, and importing exactly what was
previewed without uploading again."""

import pytest
from django.urls import reverse

from terms import admin_import, writing
from terms.models import Status, Term
from tests.conftest import make_category, make_term
from tests.test_admin import upload

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:terms_term_import")


def entry(name="Object Storage", definition="Files kept as objects in buckets."):
    return (
        f"{name}\nDefinition\n{definition}\nFrequently Asked Questions\n- Is it cheap?\n"
        "- Yes, per gigabyte.\nCategory: storage\nDifficulty: beginner\n"
    ).encode()


@pytest.fixture
def stored(db):
    make_category("storage", "Storage")
    term = make_term("Object Storage", category="storage", definition="Files kept as blobs.")
    term.faqs.all().delete()
    return Term.objects.get(pk=term.pk)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def preview(client, *files, **options):
    data = {"files": [upload(f"{i}.txt", f) for i, f in enumerate(files)], "dry_run": "on"}
    return client.post(IMPORT_URL, {**data, **options})


def import_previewed(client, response):
    return client.post(IMPORT_URL, {"previewed": response.context["token"]})


def test_the_preview_shows_each_updated_terms_changes_by_word(editor_client, stored):
    response = preview(editor_client, entry())
    changes = response.context["report"].changes["Object Storage"]
    assert [c.label for c in changes] == ["Definition", "FAQs"]
    body = response.content.decode()
    assert "<del>blobs.</del><ins>objects in buckets.</ins>" in body
    assert '<li class="diff-added"><ins>Is it cheap? Yes, per gigabyte.</ins></li>' in body


def test_the_preview_names_a_change_of_status(editor_client, stored):
    response = preview(editor_client, entry(), status=Status.DRAFT)
    labels = [c.label for c in response.context["report"].changes["Object Storage"]]
    assert labels[0] == "Status"


def test_new_and_unchanged_terms_list_no_changes(editor_client, stored):
    make_term("Block Storage", category="storage")
    response = preview(editor_client, entry("Queue"))
    assert response.context["report"].created == ["Queue"]
    assert response.context["report"].changes == {}


def test_importing_what_was_previewed_needs_no_second_upload(
    editor_client, stored, django_assert_max_num_queries
):
    previewed = preview(editor_client, entry(), entry("Queue", "Messages wait in line."))
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as blobs."

    response = import_previewed(editor_client, previewed)

    assert response.status_code == 200
    assert response.context["errors"] is None
    assert response.context["report"].updated == ["Object Storage"]
    assert response.context["report"].created == ["Queue"]
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as objects in buckets."
    assert b"Imported." in response.content


def test_the_previewed_options_are_the_ones_imported(editor_client, stored):
    previewed = preview(editor_client, entry(), status=Status.DRAFT)
    import_previewed(editor_client, previewed)
    assert Term.objects.get(pk=stored.pk).status == Status.DRAFT


def test_a_preview_is_imported_once(editor_client, stored):
    previewed = preview(editor_client, entry())
    import_previewed(editor_client, previewed)
    again = import_previewed(editor_client, previewed)
    assert again.context["errors"][0].startswith("this preview is no longer kept")


def test_a_newer_preview_replaces_the_older_one(editor_client, stored):
    older = preview(editor_client, entry())
    preview(editor_client, entry("Queue"))
    response = import_previewed(editor_client, older)
    assert "no longer kept" in response.context["errors"][0]
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as blobs."


def test_an_expired_preview_is_refused(editor_client, stored, monkeypatch):
    previewed = preview(editor_client, entry())
    monkeypatch.setattr(admin_import, "KEPT_SECONDS", -1)
    response = import_previewed(editor_client, previewed)
    assert response.context["errors"][0].startswith("this preview expired")
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as blobs."


def test_a_glossary_changed_since_the_preview_is_refused_and_previewed_again(editor_client, stored):
    previewed = preview(editor_client, entry())
    with writing.batch():
        writing.replace_term(Term.objects.get(pk=stored.pk), {"difficulty": "advanced"})

    response = import_previewed(editor_client, previewed)

    assert response.context["notice"].startswith("The glossary changed since your preview")
    assert response.context["dry_run"] is True
    labels = [c.label for c in response.context["report"].changes["Object Storage"]]
    assert "Difficulty" in labels  # the import would now set it back
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as blobs."
    # The new preview is kept in turn: importing it now works.
    import_previewed(editor_client, response)
    assert Term.objects.get(pk=stored.pk).definition == "Files kept as objects in buckets."


def test_an_upload_too_big_to_keep_is_previewed_but_not_kept(editor_client, stored, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_KEPT_BYTES", 10)
    response = preview(editor_client, entry())
    assert response.context["token"] is None
    assert b"untick" in response.content


def test_one_editors_preview_is_not_another_editors(editor_client, stored, client, admin_user):
    previewed = preview(editor_client, entry())
    client.force_login(admin_user)
    response = import_previewed(client, previewed)
    assert "no longer kept" in response.context["errors"][0]
