"""The change log: one row per term whose API representation a batch changed, with its kind,
and receivers told inside the batch's transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from terms import changes, publishing, writing
from terms.models import Change, Term
from tests.conftest import make_term

pytestmark = pytest.mark.django_db

Kind = Change.Kind


def log_since(start):
    return [(c.slug, c.kind) for c in Change.objects.filter(id__gt=start)]


def mark():
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_new_term_is_logged_as_created_and_visible():
    start = mark()
    term = make_term("Bucket")
    change = Change.objects.get(id__gt=start)
    assert (change.term_id, change.slug, change.kind) == (term.pk, "bucket", Kind.CREATED)
    assert change.visible and not change.was_visible


def test_an_edit_is_logged_as_updated_once_per_batch():
    term = make_term("Bucket")
    start = mark()
    with writing.batch():
        writing.replace_term(term, {"definition": "A bucket holds objects."})
        writing.replace_term(term, {"aliases": ["pail"]})
    assert log_since(start) == [("bucket", Kind.UPDATED)]


def test_both_ends_of_a_new_relation_are_logged():
    a, b = make_term("Bucket"), make_term("Object Storage")
    start = mark()
    with writing.batch():
        writing.replace_term(a, {}, links={"related_terms": [b]})
    assert sorted(log_since(start)) == [("bucket", Kind.UPDATED), ("object-storage", Kind.UPDATED)]


def test_publishing_and_unpublishing_are_logged_with_visibility():
    term = make_term("Bucket", status="draft")
    assert Change.objects.get(term_id=term.pk).visible is False
    start = mark()
    publishing.publish(term)
    publishing.unpublish(term)
    assert log_since(start) == [("bucket", Kind.PUBLISHED), ("bucket", Kind.UNPUBLISHED)]
    published, unpublished = Change.objects.filter(id__gt=start)
    assert (published.was_visible, published.visible) == (False, True)
    assert (unpublished.was_visible, unpublished.visible) == (True, False)


def test_a_draft_edited_stays_updated_and_invisible():
    term = make_term("Bucket", status="draft")
    start = mark()
    writing.replace_term(term, {"definition": "Still a draft."})
    change = Change.objects.get(id__gt=start)
    assert (change.kind, change.visible, change.was_visible) == (Kind.UPDATED, False, False)


def test_a_due_scheduled_term_counts_as_published():
    term = make_term("Bucket", status="draft")
    Term.everything.filter(pk=term.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    term.refresh_from_db()
    start = mark()
    writing.replace_term(term, {"definition": "Due now."})
    assert log_since(start) == [("bucket", Kind.PUBLISHED)]


def test_trash_restore_and_delete_for_good_are_logged_once_each():
    term = make_term("Bucket")
    start = mark()
    writing.trash_term(term)
    writing.restore_term(Term.everything.get(pk=term.pk))
    writing.trash_term(Term.everything.get(pk=term.pk))
    # Readers lost it when it went to the trash: deleting it for good tells them nothing new.
    writing.delete_term(Term.everything.get(pk=term.pk))
    assert log_since(start) == [
        ("bucket", Kind.DELETED),
        ("bucket", Kind.CREATED),
        ("bucket", Kind.DELETED),
    ]
    deleted = Change.objects.filter(id__gt=start).first()
    assert (deleted.was_visible, deleted.visible) == (True, False)


def test_a_delete_for_good_of_a_live_term_is_logged_with_its_slug():
    term = make_term("Bucket")
    pk = term.pk
    start = mark()
    writing.delete_term(term)
    change = Change.objects.get(id__gt=start)
    assert (change.term_id, change.slug, change.kind) == (pk, "bucket", Kind.DELETED)
    assert change.was_visible and not change.visible


def failing_write(write):
    """Write in a batch, then fail before its transaction commits."""
    with transaction.atomic(), writing.batch():
        write()
        raise RuntimeError("the write failed")


def test_a_batch_that_rolls_back_logs_nothing():
    term = make_term("Bucket")
    start = mark()
    with pytest.raises(RuntimeError):
        failing_write(lambda: writing.replace_term(term, {"definition": "Never kept."}))
    assert log_since(start) == []


def test_the_log_has_its_constraint():
    with pytest.raises(Exception, match="change_kind_valid|CHECK"), transaction.atomic():
        Change.objects.create(
            term_id=1, slug="x", kind="renamed", at=timezone.now(), visible=True, was_visible=True
        )


@pytest.fixture
def received():
    got = []

    def receiver(rows):
        got.append([(c.slug, c.kind) for c in rows])

    changes.subscribe(receiver)
    yield got
    changes.unsubscribe(receiver)


def test_receivers_get_a_batchs_rows_once_when_it_ends(received):
    with writing.batch():
        make_term("Bucket")
        make_term("Object Storage")
        assert received == []  # not before the batch's end
    assert received == [[("bucket", Kind.CREATED), ("object-storage", Kind.CREATED)]]


def test_receivers_are_not_called_for_a_batch_that_fails(received):
    with pytest.raises(RuntimeError):
        failing_write(lambda: make_term("Bucket"))
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_receivers_are_called_inside_the_batchs_transaction(received):
    autocommit = []

    def receiver(rows):
        autocommit.append(transaction.get_autocommit())

    changes.subscribe(receiver)
    try:
        make_term("Bucket")
    finally:
        changes.unsubscribe(receiver)
    assert received == [[("bucket", Kind.CREATED)]] and autocommit == [False]


def test_a_receiver_that_raises_rolls_the_batch_back(received):
    def broken(rows):
        raise ValueError("receiver down")

    changes.subscribe(broken)
    start = mark()
    try:
        with pytest.raises(ValueError, match="receiver down"), writing.batch():
            make_term("Bucket")
    finally:
        changes.unsubscribe(broken)
    assert log_since(start) == [] and not Term.everything.filter(slug="bucket").exists()
