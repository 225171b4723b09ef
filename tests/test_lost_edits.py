"""No lost edits beyond the change form: moving a term to the trash, and the draft of a
published term's next version, both refuse to act on a copy older than what is stored."""

import html
import re

import pytest
from django.urls import reverse

from terms import publishing, writing
from terms.drafts import TermDraft
from terms.models import Term
from tests.test_versions import admin_form_data, change_url, make_editor, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    return make_editor(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return make_editor(django_user_model, "bob")


def delete_url(term, version=None):
    url = reverse("admin:terms_term_delete", args=[term.pk])
    return url if version is None else f"{url}?version={version}"


def stored_version(term):
    return Term.objects.values_list("version", flat=True).get(pk=term.pk)


def bob_rewrites(term, bob):
    with writing.batch(by=bob):
        writing.replace_term(
            Term.objects.get(pk=term.pk), {"definition": "Bob rewrote it. Models learn."}
        )


def in_trash(term):
    return Term.everything.get(pk=term.pk).deleted_at is not None


# ------------------------------------------------------------------ moving to the trash


def test_the_change_forms_delete_link_names_the_version_it_shows(term, alice):
    body = session(alice).get(change_url(term)).content.decode()
    assert f'href="{delete_url(term, stored_version(term))}"' in html.unescape(body)


def test_the_confirmation_carries_the_version_it_was_opened_at(term, alice):
    response = session(alice).get(delete_url(term))
    assert f'name="opened_version" value="{stored_version(term)}"' in response.content.decode()


def test_moving_a_term_changed_since_the_confirmation_opened_is_refused(term, alice, bob):
    opened = stored_version(term)
    bob_rewrites(term, bob)

    client = session(alice)
    response = client.post(delete_url(term), {"post": "yes", "opened_version": opened})

    assert response.status_code == 302
    assert response["Location"] == delete_url(term, opened)
    assert not in_trash(term)
    shown = client.get(response["Location"])
    messages = [str(m) for m in shown.context["messages"]]
    assert any(
        re.match(r"This term was changed by bob at .* Nothing was moved", m) for m in messages
    )


def test_a_confirmation_opened_from_an_older_form_shows_what_changed(term, alice, bob):
    opened = stored_version(term)
    bob_rewrites(term, bob)

    response = session(alice).get(delete_url(term, opened))

    body = response.content.decode()
    assert "Changed by bob at" in body
    assert "<h3>Definition</h3>" in body and "<ins>rewrote</ins>" in body
    # Confirming now, having seen the changes, is deliberate: it acts on the current version.
    assert f'name="opened_version" value="{stored_version(term)}"' in body


def test_confirming_at_the_current_version_moves_the_term_to_the_trash(term, alice, bob):
    bob_rewrites(term, bob)
    current = stored_version(term)
    response = session(alice).post(delete_url(term), {"post": "yes", "opened_version": current})
    assert response.status_code == 302
    assert in_trash(term)


def test_the_refused_move_costs_a_bounded_number_of_queries(
    term, alice, bob, django_assert_max_num_queries
):
    opened = stored_version(term)
    bob_rewrites(term, bob)
    client = session(alice)
    with django_assert_max_num_queries(12):
        client.post(delete_url(term), {"post": "yes", "opened_version": opened})


# ------------------------------------------------------------------ the next version's draft


def draft_url(draft):
    return reverse("admin:terms_termdraft_change", args=[draft.pk])


@pytest.fixture
def two_draft_forms(term, alice, bob):
    """Alice and Bob, each with the draft of the term's next version open."""
    draft = publishing.start_draft(term)
    a, b = session(alice), session(bob)
    return (
        draft,
        (a, admin_form_data(a.get(draft_url(draft)))),
        (
            b,
            admin_form_data(b.get(draft_url(draft))),
        ),
    )


def test_saving_a_draft_over_a_newer_one_is_refused_and_keeps_the_text(two_draft_forms):
    draft, (alice, alice_form), (bob, bob_form) = two_draft_forms
    alice_text = alice_form["text"].replace("\nDefinition\n", "\nDefinition\nAlice was here. ")
    alice_form["text"] = alice_text
    assert alice.post(draft_url(draft), alice_form).status_code == 302

    bob_text = bob_form["text"].replace("\nDefinition\n", "\nDefinition\nBob was here. ")
    bob_form["text"] = bob_text
    response = bob.post(draft_url(draft), bob_form)

    assert response.status_code == 200
    body = response.content.decode()
    assert "This draft was changed by alice at" in body
    assert "<del>Alice</del>" in body and "<ins>Bob</ins>" in body
    assert response.context["adminform"].form["text"].value() == bob_text
    assert TermDraft.objects.get(pk=draft.pk).text == alice_text.strip()


def test_saving_the_draft_again_after_the_refusal_replaces_it(two_draft_forms):
    draft, (alice, alice_form), (bob, bob_form) = two_draft_forms
    alice_form["text"] = alice_form["text"].replace("\nDefinition\n", "\nDefinition\nAlice. ")
    alice.post(draft_url(draft), alice_form)
    bob_form["text"] = bob_form["text"].replace("\nDefinition\n", "\nDefinition\nBob. ")
    refused = bob.post(draft_url(draft), bob_form)

    again = admin_form_data(refused)
    assert bob.post(draft_url(draft), again).status_code == 302
    assert "Bob. " in TermDraft.objects.get(pk=draft.pk).text


def test_each_save_of_a_draft_counts_its_version_up_and_names_the_editor(term, alice):
    draft = publishing.start_draft(term)
    client = session(alice)
    for _ in range(2):
        form = admin_form_data(client.get(draft_url(draft)))
        assert client.post(draft_url(draft), form).status_code == 302
    saved = TermDraft.objects.get(pk=draft.pk)
    assert (saved.version, saved.updated_by) == (draft.version + 2, alice)
