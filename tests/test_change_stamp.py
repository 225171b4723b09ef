"""A term's change stamp (`changed_at`) moves whenever its API representation changes, its
own writes or another's; `updated_since` and Last-Modified go by it, and If-Modified-Since
never answers a stale 304."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from terms import writing
from terms.models import Category, Change, ProviderEquivalent, Term
from tests.conftest import age_content, make_category, make_term

pytestmark = pytest.mark.django_db

API = "/api/v1"


def stamp(term):
    return Term.everything.get(pk=term.pk).changed_at


def logged(term, start):
    return list(Change.objects.filter(term_id=term.pk, id__gt=start).values_list("kind", flat=True))


def mark():
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_term_listed_as_related_by_another_changes():
    bucket, storage = make_term("Bucket"), make_term("Object Storage")
    age_content()
    before, start = stamp(storage), mark()
    writing.replace_term(bucket, {}, links={"related_terms": [storage]})
    assert stamp(storage) > before
    assert logged(storage, start) == ["updated"]


def test_renaming_a_term_changes_those_listing_it():
    storage = make_term("Object Storage")
    bucket = make_term("Bucket")
    shelf = make_term("Shelf")
    writing.replace_term(bucket, {}, links={"related_terms": [storage]})
    writing.replace_term(shelf, {}, links={"see_also": [storage]})
    age_content()
    before, start = stamp(bucket), mark()
    writing.replace_term(storage, {"name": "Blob Storage"})
    assert stamp(bucket) > before and stamp(shelf) > before
    assert logged(bucket, start) == ["updated"] and logged(shelf, start) == ["updated"]


def test_a_definition_rendered_again_changes_its_term():
    make_term("Bucket", definition="A bucket holds objects in [[Object Storage]].")
    bucket = Term.objects.get(slug="bucket")
    assert 'href="/terms/object-storage/"' not in bucket.definition_html
    age_content()
    before, start = stamp(bucket), mark()
    make_term("Object Storage")
    bucket.refresh_from_db()
    assert 'href="/terms/object-storage/"' in bucket.definition_html
    assert stamp(bucket) > before
    assert logged(bucket, start) == ["updated"]


def test_a_term_whose_text_does_not_name_a_new_term_keeps_its_stamp():
    bucket = make_term("Bucket", definition="A bucket holds objects.")
    age_content()
    before, start = stamp(bucket), mark()
    make_term("Object Storage")
    assert stamp(bucket) == before and logged(bucket, start) == []


def rename_category(count):
    """Rename a category of `count` terms; returns the queries it took."""
    slug = f"storage-{count}"
    terms = [make_term(f"Storage {count}.{i}", category=slug) for i in range(count)]
    age_content()
    before, start = stamp(terms[0]), mark()
    category = Category.objects.get(slug=slug)
    category.name = f"Storage & Files {count}"
    with CaptureQueriesContext(connection) as queries:
        category.save()
    assert all(stamp(term) > before for term in terms)
    assert Change.objects.filter(id__gt=start).count() == count
    return len(queries)


def test_renaming_a_category_changes_its_terms_in_a_few_queries():
    other = make_term("Elsewhere", category="ai-ml")
    start = mark()
    # Not one query per term: the stamps and the log are written in bulk.
    assert rename_category(3) == rename_category(40) <= 24
    assert logged(other, start) == []


def test_editing_a_categorys_description_changes_no_term():
    term = make_term("Bucket", category="storage")
    age_content()
    before, start = stamp(term), mark()
    category = Category.objects.get(slug="storage")
    category.description = "Where data lives."
    category.save()
    assert stamp(term) == before and logged(term, start) == []


def test_renaming_a_provider_changes_the_terms_with_its_services():
    term = make_term("Bucket", children=1)
    plain = make_term("Plain")
    age_content()
    before, start, unrelated = stamp(term), mark(), stamp(plain)
    provider = ProviderEquivalent.objects.get(term=term).provider
    provider.name = f"{provider.name} Cloud"
    provider.save()
    assert stamp(term) > before and logged(term, start) == ["updated"]
    assert stamp(plain) == unrelated


def test_updated_since_finds_a_term_changed_through_another(api):
    bucket, storage = make_term("Bucket"), make_term("Object Storage")
    age_content(3600)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert api.get(f"{API}/terms/", {"updated_since": since}).json()["results"] == []
    writing.replace_term(bucket, {}, links={"related_terms": [storage]})
    found = api.get(f"{API}/terms/", {"updated_since": since}).json()["results"]
    assert sorted(item["slug"] for item in found) == ["bucket", "object-storage"]


# ---------------------------------------------------------------------------- If-Modified-Since


@pytest.fixture
def clock(monkeypatch):
    """Set the time everything reads (writes, stamps, the Last-Modified check)."""

    def set_to(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_to


def test_the_list_is_modified_by_a_delete(api, clock):
    make_term("Bucket")
    storage = make_term("Object Storage")
    age_content(10)
    first = api.get(f"{API}/terms/")
    assert first["Last-Modified"]
    writing.trash_term(storage)
    clock(timezone.now() + timedelta(seconds=2))
    response = api.get(f"{API}/terms/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["results"]] == ["bucket"]


def test_a_term_is_modified_by_its_category_renamed(api, clock):
    make_term("Bucket", category="storage")
    age_content(10)
    first = api.get(f"{API}/terms/bucket/")
    again = api.get(f"{API}/terms/bucket/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    category = make_category("storage")
    category.name = "Files"
    category.save()
    clock(timezone.now() + timedelta(seconds=2))
    response = api.get(f"{API}/terms/bucket/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 200
    assert response.json()["category"]["name"] == "Files"


def test_two_edits_within_one_second_are_never_answered_304(api, clock):
    term = make_term("Bucket")
    age_content(10)
    now = timezone.now()
    second = now.replace(microsecond=0)
    clock(second + timedelta(microseconds=100))
    writing.replace_term(term, {"definition": "First edit."})
    seen = api.get(f"{API}/terms/bucket/")
    listed = api.get(f"{API}/terms/")
    # Within the edit's second neither says when it changed: another edit may follow in it.
    assert "Last-Modified" not in seen and "Last-Modified" not in listed
    clock(second + timedelta(microseconds=900_000))
    writing.replace_term(term, {"definition": "Second edit."})
    held = http_date(second.timestamp())  # what a second-resolution stamp would have said
    response = api.get(f"{API}/terms/bucket/", HTTP_IF_MODIFIED_SINCE=held)
    assert response.status_code == 200 and response.json()["definition"] == "Second edit."
    clock(second + timedelta(seconds=1, microseconds=1))
    later = api.get(f"{API}/terms/bucket/")
    assert later["Last-Modified"] == held
    assert api.get(f"{API}/terms/bucket/", HTTP_IF_MODIFIED_SINCE=held).status_code == 304
