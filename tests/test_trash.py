"""Recoverable deletes: deleting moves a term to the trash, out of every reader's sight,
with its children and relations kept; restoring brings it back; deleting for good is a
separate, confirmed action."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import history, search, writing
from terms.models import Category, Term, UseCase
from tests.conftest import make_term
from tests.test_versions import make_editor, session

pytestmark = pytest.mark.django_db

API = "/api/v1"
TRASH = reverse("admin:terms_term_trash")


@pytest.fixture
def alice(django_user_model):
    return make_editor(django_user_model, "alice")


@pytest.fixture
def storage(db):
    """Object Storage, related to Bucket, whose definition links to it."""
    storage = make_term("Object Storage", children=2)
    bucket = make_term("Bucket", definition="A bucket lives in [[Object Storage]].")
    with writing.batch():
        writing.replace_term(bucket, {}, links={"related_terms": [storage], "see_also": [storage]})
    return storage


def trash(term):
    with writing.batch():
        writing.trash_term(term)


def html_of(name):
    return Term.objects.get(name=name).definition_html


def found(query):
    return list(
        Term.everything.filter(pk__in=search.search_terms(query).ids).values_list("name", flat=True)
    )


# ---------------------------------------------------------------------------- out of sight


def test_a_trashed_term_keeps_its_children_and_relations(storage):
    trash(storage)

    kept = Term.everything.get(pk=storage.pk)
    assert kept.deleted_at is not None
    assert UseCase.objects.filter(term=storage).count() == 2
    assert Term.related_terms.through.objects.filter(to_term=storage).exists()
    assert Term.see_also.through.objects.filter(to_term=storage).exists()


def test_readers_do_not_see_a_trashed_term(client, storage):
    trash(storage)

    assert not Term.objects.filter(pk=storage.pk).exists()
    assert client.get(storage.get_absolute_url()).status_code == 404
    bucket_page = client.get(Term.objects.get(name="Bucket").get_absolute_url())
    assert b"/terms/object-storage/" not in bucket_page.content
    assert Category.objects.with_term_count().get(slug="ai-ml").term_count == 1


def test_a_trashed_term_leaves_the_search_index(storage):
    assert "Object Storage" in found("object storage")

    trash(storage)

    assert found("object storage") == ["Bucket"]  # its text still names it


def test_links_to_a_trashed_term_turn_to_text_and_come_back_on_restore(storage):
    trash(storage)
    assert html_of("Bucket") == "<p>A bucket lives in Object Storage.</p>"

    with writing.batch():
        writing.restore_term(Term.everything.get(pk=storage.pk))

    assert '/terms/object-storage/"' in html_of("Bucket")
    assert "Object Storage" in found("object storage")


def test_editing_a_term_keeps_its_relations_with_a_trashed_one(storage):
    bucket = Term.objects.get(name="Bucket")
    other = make_term("Block Storage")
    trash(storage)

    with writing.batch():
        writing.replace_term(bucket, {}, links={"related_terms": [other], "see_also": [other]})
        writing.restore_term(Term.everything.get(pk=storage.pk))

    bucket = Term.objects.with_related().get(pk=bucket.pk)
    assert {t.name for t in bucket.related_terms.all()} == {"Block Storage", "Object Storage"}
    assert {t.name for t in bucket.see_also.all()} == {"Block Storage", "Object Storage"}


def test_moving_to_the_trash_and_restoring_are_recorded_in_history(storage):
    trash(storage)
    with writing.batch():
        writing.restore_term(Term.everything.get(pk=storage.pk))

    restored, trashed = history.versions_of(storage.pk)[:2]
    assert (trashed.comment, trashed.trashed) == ("Moved “Object Storage” to the trash", True)
    assert (restored.comment, restored.trashed) == (
        "Restored “Object Storage” from the trash",
        False,
    )


# ---------------------------------------------------------------------------- the API


@pytest.fixture
def alice_api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


def test_api_delete_moves_the_term_to_the_trash(alice_api, storage):
    response = alice_api.delete(f"{API}/terms/object-storage/")

    assert response.status_code == 204
    assert alice_api.get(f"{API}/terms/object-storage/").status_code == 404
    assert "Object Storage" not in [
        t["name"] for t in alice_api.get(f"{API}/terms/").json()["results"]
    ]
    assert Term.everything.get(pk=storage.pk).deleted_at is not None
    assert history.versions_of(storage.pk)[0].source == "API"


def test_api_cannot_create_a_term_under_a_trashed_terms_name(alice_api, storage):
    trash(storage)
    payload = {
        "name": "Object Storage",
        "definition": "A second one. It clashes.",
        "category": "ai-ml",
        "difficulty": "beginner",
    }

    response = alice_api.post(f"{API}/terms/", payload, format="json")

    assert response.status_code == 400
    assert "trash" in str(response.json())


# ---------------------------------------------------------------------------- the admin


def test_admin_delete_asks_to_move_to_the_trash_and_does(alice, storage):
    client = session(alice)
    url = reverse("admin:terms_term_delete", args=[storage.pk])

    page = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert b"move it to the trash" in page.content
    assert response.status_code == 302
    assert Term.everything.get(pk=storage.pk).deleted_at is not None
    assert UseCase.objects.filter(term=storage).count() == 2


def test_the_changelist_action_moves_selected_terms_to_the_trash(alice, storage):
    response = session(alice).post(
        reverse("admin:terms_term_changelist"),
        {"action": "trash_selected", "_selected_action": [storage.pk]},
    )

    assert response.status_code == 302
    assert not Term.objects.filter(pk=storage.pk).exists()
    assert Term.everything.filter(pk=storage.pk).exists()


def test_the_trash_lists_trashed_terms_only(alice, storage, django_assert_max_num_queries):
    for i in range(10):
        trash(make_term(f"Old {i}", children=1))
    trash(storage)
    client = session(alice)

    with django_assert_max_num_queries(10):
        response = client.get(TRASH)

    assert response.status_code == 200
    assert b"Object Storage" in response.content
    assert b"Bucket" not in response.content


def test_restoring_from_the_trash_brings_back_children_and_relations(alice, storage):
    trash(storage)

    response = session(alice).post(TRASH, {"term": [storage.pk], "action": "restore"})

    assert response.status_code == 302
    restored = Term.objects.with_related().get(pk=storage.pk)
    assert restored.use_cases.count() == 2
    assert [t.name for t in restored.related_terms.all()] == ["Bucket"]
    assert history.versions_of(storage.pk)[0].who == "alice"


def test_deleting_for_good_asks_first(alice, storage):
    trash(storage)

    response = session(alice).post(TRASH, {"term": [storage.pk], "action": "delete"})

    assert response.status_code == 200
    assert b"delete them for good" in response.content
    assert Term.everything.filter(pk=storage.pk).exists()


def test_deleting_for_good_once_confirmed_removes_the_term_and_its_children(alice, storage):
    trash(storage)

    response = session(alice).post(
        TRASH, {"term": [storage.pk], "action": "delete", "confirmed": "yes"}
    )

    assert response.status_code == 302
    assert not Term.everything.filter(pk=storage.pk).exists()
    assert not UseCase.objects.filter(term_id=storage.pk).exists()
    assert history.versions_of(storage.pk)  # its history stays


def test_only_trashed_terms_can_be_deleted_for_good(alice, storage):
    session(alice).post(TRASH, {"term": [storage.pk], "action": "delete", "confirmed": "yes"})
    assert Term.objects.filter(pk=storage.pk).exists()


def test_the_trash_needs_the_delete_permission(django_user_model, storage):
    user = django_user_model.objects.create_user("changer", "c@example.com", "x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_term", "change_term"]))
    trash(storage)
    client = session(user)

    assert client.get(TRASH).status_code == 403
    assert client.post(TRASH, {"term": [storage.pk], "action": "restore"}).status_code == 403
    assert Term.everything.get(pk=storage.pk).deleted_at is not None


def test_a_new_term_under_a_trashed_terms_name_is_refused_naming_the_trash(alice, storage):
    trash(storage)
    response = session(alice).post(
        reverse("admin:terms_term_add"),
        {
            "name": "object storage",
            "slug": "object-storage-2",
            "category": str(storage.category_id),
            "difficulty": "beginner",
            "definition": "Again. Twice.",
            **{
                f"{prefix}-{key}": value
                for prefix in ("use_cases", "provider_equivalents", "faqs")
                for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        },
    )

    assert response.status_code == 200
    assert "is in the trash" in response.content.decode()


def test_an_import_naming_a_trashed_term_is_refused_naming_the_trash(storage):
    from terms import importers

    entry = importers.export_term(Term.objects.with_related().get(pk=storage.pk))
    trash(storage)
    entries = importers.parse_sources([("object-storage.txt", entry.encode())])

    with pytest.raises(importers.ImportFailed) as refused:
        importers.import_entries(entries)

    assert "is in the trash" in str(refused.value)


def test_the_slug_of_a_trashed_term_is_refused_by_model_validation(storage):
    from django.core.exceptions import ValidationError

    trash(storage)
    with pytest.raises(ValidationError) as refused:
        Term(name="Other Storage", slug="object-storage").validate_unique()
    assert "trash" in str(refused.value.message_dict["slug"])


def test_the_schema_says_delete_moves_to_the_trash(client):
    schema = client.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "trash" in schema["paths"]["/api/v1/terms/{slug}/"]["delete"]["description"]
