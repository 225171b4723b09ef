"""GET /api/v1/sync/: every live term, then what changed and what was deleted since a token,
in pages; stable ids that are never reused."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import api_sync, publishing, writing
from terms.models import Category, Term
from tests.conftest import error_messages, make_term

pytestmark = pytest.mark.django_db

SYNC = "/api/v1/sync/"


@pytest.fixture
def editor_api(django_user_model):
    user = django_user_model.objects.create_user("ed", password="s3cret-pass!")
    user.user_permissions.set(Permission.objects.filter(codename="view_unpublished_term"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def sync_all(client, **params):
    """Follow the pages from `params` to the end: (items' slugs, deleted slugs, token)."""
    body = client.get(SYNC, params).json()
    items, deleted = [], []
    while True:
        items += [item["slug"] for item in body["items"]]
        deleted += [gone["slug"] for gone in body["deleted"]]
        if "next_sync_token" in body:
            return items, deleted, body["next_sync_token"]
        body = client.get(body["next_page_url"]).json()


def test_the_first_sync_lists_every_published_term_whole(api):
    term = make_term("Bucket", children=2)
    make_term("Draft Idea", status="draft")
    body = api.get(SYNC).json()
    assert [item["slug"] for item in body["items"]] == ["bucket"]
    assert body["items"][0] == api.get("/api/v1/terms/bucket/").json()
    assert body["items"][0]["id"] == term.pk
    assert body["deleted"] == [] and body["next_sync_token"]
    assert "next_page_url" not in body


def test_readers_sync_only_the_related_terms_they_see(api, editor_api):
    bucket = make_term("Bucket")
    writing.replace_term(
        bucket, {}, links={"related_terms": [make_term("Draft Idea", status="draft")]}
    )
    item = api.get(SYNC).json()["items"][0]
    assert item["related_terms"] == [] == api.get("/api/v1/terms/bucket/").json()["related_terms"]
    items = editor_api.get(SYNC, {"drafts": "true"}).json()["items"]
    assert [t["slug"] for t in items[0]["related_terms"]] == ["draft-idea"]


def test_the_first_sync_comes_in_pages(api):
    for i in range(5):
        make_term(f"Term {i}")
    first = api.get(SYNC, {"page_size": 2}).json()
    assert len(first["items"]) == 2 and "next_sync_token" not in first
    assert first["next_page_url"].startswith("http://testserver/api/v1/sync/?token=")
    items, _, token = sync_all(api, page_size=2)
    assert sorted(items) == [f"term-{i}" for i in range(5)] and token


def test_a_sync_with_the_token_gives_only_what_changed(api):
    bucket, storage = make_term("Bucket"), make_term("Object Storage")
    make_term("Queue")
    _, _, token = sync_all(api)
    writing.replace_term(bucket, {"definition": "A bucket holds objects."})
    writing.trash_term(storage)
    make_term("Stream")
    body = api.get(SYNC, {"token": token}).json()
    assert [item["slug"] for item in body["items"]] == ["bucket", "stream"]
    assert body["items"][0]["definition"] == "A bucket holds objects."
    assert [(gone["id"], gone["slug"]) for gone in body["deleted"]] == [
        (storage.pk, "object-storage")
    ]
    assert body["deleted"][0]["at"]
    # Nothing since: the new token gives nothing.
    again = api.get(SYNC, {"token": body["next_sync_token"]}).json()
    assert again["items"] == [] and again["deleted"] == []


def test_a_term_deleted_for_good_or_unpublished_is_deleted_for_readers(api):
    bucket, storage = make_term("Bucket"), make_term("Object Storage")
    _, _, token = sync_all(api)
    writing.delete_term(bucket)
    publishing.unpublish(storage)
    items, deleted, _ = sync_all(api, token=token)
    assert items == [] and deleted == ["bucket", "object-storage"]


def test_readers_never_hear_of_drafts(api):
    _, _, token = sync_all(api)
    draft = make_term("Draft Idea", status="draft")
    writing.replace_term(draft, {"definition": "Still a draft."})
    writing.trash_term(draft)
    assert sync_all(api, token=token)[:2] == ([], [])


def test_publishing_a_draft_adds_it_for_readers(api):
    draft = make_term("Draft Idea", status="draft")
    _, _, token = sync_all(api)
    publishing.publish(draft)
    assert sync_all(api, token=token)[:2] == (["draft-idea"], [])


def test_a_scheduled_term_arrives_once_its_time_has_come(api, monkeypatch):
    draft = make_term("Draft Idea", status="draft")
    publishing.schedule(draft, timezone.now() + timedelta(hours=1))
    items, _, token = sync_all(api)
    assert items == []
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    publishing.publish_due()
    assert sync_all(api, token=token)[:2] == (["draft-idea"], [])


def test_a_term_changed_through_another_is_synced(api):
    bucket, storage = make_term("Bucket"), make_term("Object Storage")
    make_term("Shelf", category="storage")
    _, _, token = sync_all(api)
    writing.replace_term(bucket, {}, links={"related_terms": [storage]})
    category = Category.objects.get(slug="storage")
    category.name = "Files"
    category.save()
    assert sorted(sync_all(api, token=token)[0]) == ["bucket", "object-storage", "shelf"]


def test_changes_come_in_pages_and_end_with_a_token(api):
    terms = [make_term(f"Term {i}") for i in range(5)]
    _, _, token = sync_all(api)
    for term in reversed(terms):
        writing.replace_term(term, {"definition": f"{term.name} changed."})
    writing.trash_term(terms[0])
    first = api.get(SYNC, {"token": token, "page_size": 2}).json()
    assert [item["slug"] for item in first["items"]] == ["term-4", "term-3"]
    assert "next_page_url" in first
    items, deleted, last = sync_all(api, token=token, page_size=2)
    assert items == ["term-4", "term-3", "term-2", "term-1"] and deleted == ["term-0"]
    assert sync_all(api, token=last)[:2] == ([], [])


def test_a_term_changed_while_paging_comes_again(api):
    terms = [make_term(f"Term {i}") for i in range(3)]
    _, _, token = sync_all(api)
    for term in terms:
        writing.replace_term(term, {"definition": "Changed."})
    first = api.get(SYNC, {"token": token, "page_size": 2}).json()
    writing.replace_term(terms[0], {"definition": "Changed again."})
    rest = api.get(first["next_page_url"]).json()
    assert [item["slug"] for item in rest["items"]] == ["term-2", "term-0"]
    assert rest["items"][1]["definition"] == "Changed again."


def test_editors_may_sync_drafts_and_their_token_keeps_them(editor_api):
    make_term("Bucket")
    draft = make_term("Draft Idea", status="draft")
    items, _, token = sync_all(editor_api, drafts="true")
    assert sorted(items) == ["bucket", "draft-idea"]
    writing.trash_term(draft)
    assert sync_all(editor_api, token=token)[:2] == ([], ["draft-idea"])


def test_readers_may_not_sync_drafts(api):
    response = api.get(SYNC, {"drafts": "true"})
    assert response.status_code == 403


def test_a_drafts_token_is_refused_to_a_reader(api, editor_api):
    token = editor_api.get(SYNC, {"drafts": "true"}).json()["next_sync_token"]
    assert api.get(SYNC, {"token": token}).status_code == 403


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps({"v": 1, "scope": "drafts", "since": 0}, salt="another.salt"),
        signing.dumps({"v": 1, "scope": "everything", "since": 0}, salt=api_sync.SALT),
        signing.dumps({"v": 1, "scope": "published", "since": "0"}, salt=api_sync.SALT),
    ],
)
def test_a_bad_or_forged_token_is_a_400_naming_token(api, token):
    response = api.get(SYNC, {"token": token})
    assert response.status_code == 400
    assert list(error_messages(response)) == ["token"]


def test_a_token_whose_scope_was_edited_is_refused(api, editor_api):
    make_term("Bucket")
    token = api.get(SYNC).json()["next_sync_token"]
    payload, signature = token.rsplit(":", 1)
    forged = signing.dumps({"v": 1, "scope": "drafts", "since": 0}, salt=api_sync.SALT)
    tampered = f"{forged.rsplit(':', 1)[0]}:{signature}"
    assert editor_api.get(SYNC, {"token": tampered}).status_code == 400


def test_a_token_needs_only_the_secret_key(api, settings):
    make_term("Bucket")
    token = api.get(SYNC).json()["next_sync_token"]
    # No state on the server: a restarted process with the same key reads it ...
    assert APIClient().get(SYNC, {"token": token}).status_code == 200
    # ... and one with another key does not.
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert api.get(SYNC, {"token": token}).status_code == 400


@pytest.mark.parametrize(
    ("params", "named"),
    [({"page": "2"}, "page"), ({"page_size": "0"}, "page_size"), ({"drafts": "yes"}, "drafts")],
)
def test_bad_parameters_are_a_400_naming_them(api, params, named):
    response = api.get(SYNC, params)
    assert response.status_code == 400
    assert list(error_messages(response)) == [named]


def test_pages_are_bounded_in_size(api):
    for i in range(3):
        make_term(f"Term {i}")
    assert len(api.get(SYNC, {"page_size": "100"}).json()["items"]) == 3
    response = api.get(SYNC, {"page_size": "101"})
    assert response.status_code == 400
    assert list(error_messages(response)) == ["page_size"]


@pytest.mark.parametrize("count", [3, 30])
def test_a_first_page_takes_a_fixed_number_of_queries(api, count, django_assert_max_num_queries):
    for i in range(count):
        make_term(f"Term {i}", children=2)
    with django_assert_max_num_queries(8):
        body = api.get(SYNC, {"page_size": 50}).json()
    assert len(body["items"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_a_changes_page_takes_a_fixed_number_of_queries(api, count, django_assert_max_num_queries):
    terms = [make_term(f"Term {i}", children=2) for i in range(count + 1)]
    token = api.get(SYNC).json()["next_sync_token"]
    for term in terms[1:]:
        writing.replace_term(term, {"definition": "Changed."})
    writing.trash_term(terms[0])
    with django_assert_max_num_queries(10):
        body = api.get(SYNC, {"token": token, "page_size": 50}).json()
    assert len(body["items"]) == count and len(body["deleted"]) == 1


# ---------------------------------------------------------------------------- ids


def test_ids_of_deleted_terms_are_never_given_again():
    first = make_term("Bucket")
    last = make_term("Object Storage")
    highest = last.pk
    writing.delete_term(last)
    writing.delete_term(first)
    # AUTOINCREMENT on SQLite, a sequence on PostgreSQL: the highest id is not taken again.
    assert make_term("Queue").pk > highest
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [Term._meta.db_table])
            assert "AUTOINCREMENT" in cursor.fetchone()[0]
