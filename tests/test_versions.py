"""No lost edits: two editors on one term, in the admin and through the API."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import diffs, versions, writing
from terms.models import FAQ, Term
from tests.conftest import make_term

pytestmark = pytest.mark.django_db

API = "/api/v1"


def make_editor(django_user_model, username):
    user = django_user_model.objects.create_user(username, password="s3cret-pass!", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="terms"))
    return user


@pytest.fixture
def alice(django_user_model):
    return make_editor(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return make_editor(django_user_model, "bob")


def version_of(term):
    return Term.objects.values_list("version", flat=True).get(pk=term.pk)


# The version stamp


def test_every_write_counts_the_version_up_once(term):
    before = version_of(term)
    with writing.batch():
        term.definition = "Changed. Twice in one batch."
        term.save()
        FAQ.objects.create(term=term, question="Another?", answer="Yes.", position=9)
    assert version_of(term) == before + 1


def test_a_change_to_a_child_alone_counts_up_the_version(term):
    before = version_of(term)
    faq = term.faqs.first()
    faq.answer = "A better answer."
    faq.save()
    assert version_of(term) == before + 1


def test_relating_two_terms_changes_both(db):
    a, b = make_term("Alpha"), make_term("Beta")
    before = version_of(a), version_of(b)
    a.related_terms.add(b)
    assert (version_of(a), version_of(b)) == (before[0] + 1, before[1] + 1)


def test_saving_an_old_copy_does_not_roll_the_version_back(term):
    old_copy = Term.objects.get(pk=term.pk)
    writing.replace_term(Term.objects.get(pk=term.pk), {"difficulty": "advanced"})
    newer = version_of(term)
    old_copy.save()
    assert version_of(term) == newer + 1


def test_the_batch_records_who_changed_the_term(term, alice):
    with writing.batch(by=alice):
        writing.replace_term(term, {"difficulty": "advanced"})
    assert versions.stamp(term.pk).updated_by == "alice"


def test_an_import_records_no_editor(term, alice):
    with writing.batch(by=alice):
        writing.replace_term(term, {"difficulty": "advanced"})
    writing.replace_term(Term.objects.get(pk=term.pk), {"difficulty": "beginner"})
    assert versions.stamp(term.pk).updated_by == ""


# Diffs


def test_word_diff_marks_only_the_changed_words():
    pieces = diffs.word_diff("Storage for files as objects.", "Storage for data as objects.")
    assert [(p.tag, p.text) for p in pieces if p.tag != "same"] == [
        ("removed", "files"),
        ("added", "data"),
    ]


def test_item_diff_pairs_a_changed_item_and_lists_added_and_removed_ones():
    changes = diffs.item_diff(["A? Yes.", "B? No."], ["A? Yes, always.", "C? Maybe."])
    assert [c.tag for c in changes] == ["changed", "changed"]
    changes = diffs.item_diff(["A? Yes."], ["A? Yes.", "C? Maybe."])
    assert [c.tag for c in changes] == ["same", "added"]


# The admin, two editors in two sessions


def admin_form_data(response):
    """What the browser would post back: every field of the change form and its inlines."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form[name].html_name] = [str(v) for v in value]
            else:
                data[form[name].html_name] = "on" if value is True else str(value)
    return data


def session(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(term):
    return reverse("admin:terms_term_change", args=[term.pk])


@pytest.fixture
def two_editors(term, alice, bob):
    """Alice and Bob, each with the term's change form open."""
    a, b = session(alice), session(bob)
    return (a, admin_form_data(a.get(change_url(term)))), (
        b,
        admin_form_data(b.get(change_url(term))),
    )


def test_saving_over_a_newer_version_is_refused_and_keeps_the_input(term, two_editors):
    (alice, alice_form), (bob, bob_form) = two_editors
    alice_form["definition"] = "Alice's new definition. It is better."
    assert alice.post(change_url(term), alice_form).status_code == 302

    bob_form["aliases"] = "Training run"
    response = bob.post(change_url(term), bob_form)

    assert response.status_code == 200
    assert Term.objects.get(pk=term.pk).definition == "Alice's new definition. It is better."
    assert Term.objects.get(pk=term.pk).aliases == []
    assert "changed by alice at" in response.content.decode()
    assert response.context["adminform"].form["aliases"].value() == "Training run"


def test_the_refusal_shows_the_newer_versions_differences_by_word(term, two_editors):
    (alice, alice_form), (bob, bob_form) = two_editors
    alice_form["definition"] = "Alice's new definition. It is better."
    alice.post(change_url(term), alice_form)

    response = bob.post(change_url(term), bob_form)

    changes = {c.label: c for c in response.context["conflict_changes"]}
    assert list(changes) == ["Definition"]
    removed = [p.text for p in changes["Definition"].pieces if p.tag == "removed"]
    assert "Alice's" in removed
    assert b"<del>Alice&#x27;s" in response.content


def test_a_change_to_an_inline_alone_makes_the_other_copy_stale(term, two_editors):
    (alice, alice_form), (bob, bob_form) = two_editors
    alice_form["faqs-0-answer"] = "Alice answered better."
    assert alice.post(change_url(term), alice_form).status_code == 302

    bob_form["difficulty"] = "advanced"
    response = bob.post(change_url(term), bob_form)

    assert response.status_code == 200
    assert Term.objects.get(pk=term.pk).difficulty == "beginner"
    changes = {c.label: c for c in response.context["conflict_changes"]}
    assert [item.tag for item in changes["FAQs"].items].count("changed") == 1


def test_saving_again_after_the_refusal_is_a_deliberate_overwrite(term, two_editors):
    (alice, alice_form), (bob, bob_form) = two_editors
    alice_form["definition"] = "Alice's new definition. It is better."
    alice.post(change_url(term), alice_form)
    refused = bob.post(change_url(term), {**bob_form, "difficulty": "advanced"})

    response = bob.post(change_url(term), admin_form_data(refused))

    assert response.status_code == 302
    assert Term.objects.get(pk=term.pk).difficulty == "advanced"


def test_an_editor_saving_twice_in_a_row_is_not_refused(term, alice):
    client = session(alice)
    form = admin_form_data(client.get(change_url(term)))
    assert client.post(change_url(term), {**form, "difficulty": "advanced"}).status_code == 302
    form = admin_form_data(client.get(change_url(term)))
    assert client.post(change_url(term), {**form, "difficulty": "beginner"}).status_code == 302


def test_the_refusal_costs_few_queries_more_than_any_form_error(term, two_editors):
    (alice, alice_form), (bob, bob_form) = two_editors
    with CaptureQueriesContext(connection) as form_error:
        assert bob.post(change_url(term), {**bob_form, "name": ""}).status_code == 200
    alice.post(change_url(term), {**alice_form, "difficulty": "advanced"})

    with CaptureQueriesContext(connection) as refusal:
        assert bob.post(change_url(term), bob_form).status_code == 200

    # The lock and the saved version with its children, read once for the differences.
    assert len(refusal) <= len(form_error) + 15


# The API, two clients


def api_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def two_clients(term, alice, bob):
    return api_client(alice), api_client(bob)


DETAIL = f"{API}/terms/model-training/"


def test_a_stale_if_match_gets_412_naming_the_current_etag(two_clients):
    alice, bob = two_clients
    etag_a, etag_b = alice.get(DETAIL)["ETag"], bob.get(DETAIL)["ETag"]
    assert etag_a == etag_b
    changed = alice.patch(DETAIL, {"difficulty": "advanced"}, format="json", HTTP_IF_MATCH=etag_a)
    assert changed.status_code == 200

    response = bob.patch(DETAIL, {"aliases": ["Training"]}, format="json", HTTP_IF_MATCH=etag_b)

    assert response.status_code == 412
    assert response.json()["current_etag"] == changed["ETag"] == bob.get(DETAIL)["ETag"]
    assert response["ETag"] == changed["ETag"]
    assert Term.objects.get(slug="model-training").aliases == []


def test_a_matching_if_match_succeeds_and_answers_with_the_new_etag(two_clients):
    alice, _ = two_clients
    etag = alice.get(DETAIL)["ETag"]

    response = alice.patch(DETAIL, {"difficulty": "advanced"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == alice.get(DETAIL)["ETag"]


def test_put_with_a_stale_if_match_is_412(two_clients):
    alice, bob = two_clients
    etag = bob.get(DETAIL)["ETag"]
    alice.patch(DETAIL, {"difficulty": "advanced"}, format="json")
    payload = {
        "name": "Model Training",
        "definition": "Bob's take. Short.",
        "category": "ai-ml",
        "difficulty": "beginner",
    }
    assert bob.put(DETAIL, payload, format="json", HTTP_IF_MATCH=etag).status_code == 412


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_term(two_clients):
    alice, bob = two_clients
    etag = bob.get(DETAIL)["ETag"]
    alice.patch(DETAIL, {"difficulty": "advanced"}, format="json")

    assert bob.delete(DETAIL, HTTP_IF_MATCH=etag).status_code == 412
    assert Term.objects.filter(slug="model-training").exists()
    assert bob.delete(DETAIL, HTTP_IF_MATCH=bob.get(DETAIL)["ETag"]).status_code == 204


def test_a_stale_if_match_is_412_before_the_payload_is_checked(two_clients):
    alice, bob = two_clients
    etag = bob.get(DETAIL)["ETag"]
    alice.patch(DETAIL, {"difficulty": "advanced"}, format="json")
    response = bob.patch(DETAIL, {"difficulty": "expert"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412


def test_writes_without_if_match_still_work(two_clients):
    alice, bob = two_clients
    alice.patch(DETAIL, {"difficulty": "advanced"}, format="json")
    response = bob.patch(DETAIL, {"aliases": ["Training"]}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["*", 'W/"{etag}"', '"0.0.0", "{etag}"'])
def test_if_match_accepts_any_tag_a_weakened_tag_and_a_list(two_clients, header):
    alice, _ = two_clients
    etag = alice.get(DETAIL)["ETag"].strip('"')
    response = alice.patch(
        DETAIL, {"difficulty": "advanced"}, format="json", HTTP_IF_MATCH=header.format(etag=etag)
    )
    assert response.status_code == 200


def test_an_etag_of_another_term_does_not_match(two_clients, db):
    alice, _ = two_clients
    make_term("Other Term")
    other = alice.get(f"{API}/terms/other-term/")["ETag"]
    response = alice.patch(DETAIL, {"difficulty": "advanced"}, format="json", HTTP_IF_MATCH=other)
    assert response.status_code == 412


def test_create_answers_with_the_etag_a_get_gives(two_clients):
    alice, _ = two_clients
    payload = {"name": "Fresh Term", "definition": "New. Yes.", "category": "ai-ml"}
    response = alice.post(f"{API}/terms/", {**payload, "difficulty": "beginner"}, format="json")
    assert response.status_code == 201
    assert response["ETag"] == alice.get(f"{API}/terms/fresh-term/")["ETag"]


def test_renaming_a_related_term_changes_the_etag(two_clients, db):
    alice, _ = two_clients
    other = make_term("Model Serving")
    Term.objects.get(slug="model-training").related_terms.add(other)
    etag = alice.get(DETAIL)["ETag"]
    other.name = "Model Hosting"
    other.save()
    assert alice.get(DETAIL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_text_form_has_its_own_etag(two_clients):
    alice, _ = two_clients
    assert alice.get(DETAIL)["ETag"] != alice.get(DETAIL, {"format": "txt"})["ETag"]


def test_the_schema_documents_if_match_and_412(two_clients):
    alice, _ = two_clients
    schema = alice.get(f"{API}/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/terms/{slug}/"]
    for method in ("put", "patch", "delete"):
        headers = [p["name"] for p in operations[method]["parameters"] if p["in"] == "header"]
        assert headers == ["If-Match"]
        assert "412" in operations[method]["responses"]
    assert "ETag" in operations["get"]["responses"]["200"]["headers"]


def test_head_carries_the_etag_a_get_gives(two_clients):
    alice, _ = two_clients
    assert alice.head(DETAIL)["ETag"] == alice.get(DETAIL)["ETag"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_simultaneous_writes_with_one_etag_cannot_both_succeed(
    transactional_db, alice, bob, monkeypatch
):
    """Bob's write passes the early check while Alice's is still open; the locked check
    inside his transaction waits for hers to commit, then refuses his."""
    import threading
    import time

    make_term("Model Training", children=1)
    clients = api_client(alice), api_client(bob)
    etag = clients[0].get(DETAIL)["ETag"]
    alice_inside, release = threading.Event(), threading.Event()
    original = writing.replace_term

    def alice_pauses(term, fields, **kwargs):
        if fields.get("difficulty") == "advanced":
            alice_inside.set()
            release.wait()
        return original(term, fields, **kwargs)

    monkeypatch.setattr(writing, "replace_term", alice_pauses)
    statuses = {}

    def write(name, client, payload):
        try:
            response = client.patch(DETAIL, payload, format="json", HTTP_IF_MATCH=etag)
            statuses[name] = response.status_code
        finally:
            connection.close()

    alice_thread = threading.Thread(
        target=write, args=("alice", clients[0], {"difficulty": "advanced"})
    )
    bob_thread = threading.Thread(target=write, args=("bob", clients[1], {"aliases": ["T"]}))
    alice_thread.start()
    assert alice_inside.wait(timeout=30)
    bob_thread.start()
    # Bob's transaction is seen waiting for Alice's row lock before she may go on.
    waiting = False
    for _ in range(1000):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            waiting = cursor.fetchone()[0] > 0
        if waiting:
            break
        time.sleep(0.01)
    release.set()
    alice_thread.join()
    bob_thread.join()

    assert waiting
    assert statuses == {"alice": 200, "bob": 412}
    stored = Term.objects.get(slug="model-training")
    assert (stored.difficulty, stored.aliases) == ("advanced", [])
