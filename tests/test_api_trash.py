"""The trash over the API: Publishers list it, restore from it, and delete for good."""

import pytest
from rest_framework.test import APIClient

from terms import history, roles, writing
from terms.models import Status, Term
from tests.conftest import error_messages, make_term

pytestmark = pytest.mark.django_db

TRASH = "/api/v1/trash/"


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("pia", password="s3cret-pass!", is_staff=True)
    user.groups.add(roles.group(roles.PUBLISHER))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def trashed(db):
    """Object Storage with its children, related to Bucket, moved to the trash."""
    storage = make_term("Object Storage", children=2, status=Status.REVIEW)
    bucket = make_term("Bucket")
    with writing.batch():
        writing.replace_term(bucket, {}, links={"related_terms": [storage]})
    writing.trash_term(Term.everything.get(pk=storage.pk))
    return Term.everything.get(pk=storage.pk)


def test_the_trash_lists_trashed_terms_newest_first(
    publisher, trashed, django_assert_max_num_queries
):
    writing.trash_term(make_term("Queue"))
    make_term("Still Live")
    with django_assert_max_num_queries(6):
        response = publisher.get(TRASH)
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["results"]] == ["queue", "object-storage"]
    first = response.json()["results"][1]
    assert first["status"] == "review" and first["deleted_at"] is not None


def test_restore_brings_a_term_back_with_its_children_and_relations(publisher, trashed):
    response = publisher.post(f"{TRASH}object-storage/restore/")

    assert response.status_code == 200
    assert response.json()["deleted_at"] is None
    assert response.json()["deleted_by"] == "pia"
    term = Term.objects.get(pk=trashed.pk)
    assert term.status == Status.REVIEW
    assert term.use_cases.count() == 2
    assert list(term.related_terms.values_list("name", flat=True)) == ["Bucket"]
    assert publisher.get(TRASH).json()["count"] == 0
    assert history.versions_of(term.pk)[0].source == "API"


def test_restoring_a_term_that_is_not_in_the_trash_is_404(publisher, db):
    make_term("Live One")
    assert publisher.post(f"{TRASH}live-one/restore/").status_code == 404
    assert publisher.post(f"{TRASH}no-such-term/restore/").status_code == 404


def test_delete_removes_a_trashed_term_for_good(publisher, trashed):
    response = publisher.delete(f"{TRASH}object-storage/")
    assert response.status_code == 204
    assert not Term.everything.filter(pk=trashed.pk).exists()


def test_delete_for_good_never_reaches_a_live_term(publisher, db):
    live = make_term("Live One")
    assert publisher.delete(f"{TRASH}live-one/").status_code == 404
    assert Term.objects.filter(pk=live.pk).exists()


def test_an_editor_may_not_use_the_trash(django_user_model, trashed):
    user = django_user_model.objects.create_user("ed", password="s3cret-pass!", is_staff=True)
    user.groups.add(roles.group(roles.EDITOR))
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(TRASH)
    assert response.status_code == 403
    assert "Publishers" in error_messages(response)[None][0]


def test_the_schema_documents_the_trash(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/trash/"]) == {"get"}
    assert {"401", "403"} <= set(paths["/api/v1/trash/"]["get"]["responses"])
    assert set(paths["/api/v1/trash/{slug}/"]) == {"delete"}
    restore = paths["/api/v1/trash/{slug}/restore/"]["post"]
    assert set(restore["responses"]) >= {"200", "404"}
