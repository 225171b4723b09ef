"""A term's history: recorded on every write path, compared side by side, reverted."""

import json

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from reversion.models import Version

from terms import history, importers, writing
from terms.models import Provider, Source, Term
from tests.conftest import make_category, make_term
from tests.test_versions import admin_form_data, make_editor, session

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def alice(django_user_model):
    return make_editor(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return make_editor(django_user_model, "bob")


def history_url(term):
    return reverse("admin:terms_term_history", args=[term.pk])


def compare_url(term, old, new):
    url = reverse("admin:terms_term_history_compare", args=[term.pk])
    return f"{url}?old={old.id}&new={new.id}"


def revert_url(term, version):
    return reverse("admin:terms_term_revert", args=[term.pk, version.id])


def latest(term):
    return history.versions_of(term.pk)[0]


def edit(term, by=None, source=Source.SCRIPT, **fields):
    with writing.batch(by=by, source=source):
        writing.replace_term(term, fields)


# ---------------------------------------------------------------------------- recording


def test_every_write_batch_records_the_whole_term_once(term):
    before = len(history.versions_of(term.pk))

    edit(term, definition="A new definition. Second sentence.")

    recorded = history.versions_of(term.pk)
    assert len(recorded) == before + 1
    assert recorded[0].fields["definition"] == "A new definition. Second sentence."
    assert recorded[0].number == Term.objects.get(pk=term.pk).version
    assert len(recorded[0].children["use_cases"]) == 3
    assert len(recorded[0].children["faqs"]) == 3


def test_a_change_to_the_admin_form_records_editor_source_and_what_changed(term, alice):
    client = session(alice)
    data = admin_form_data(client.get(reverse("admin:terms_term_change", args=[term.pk])))
    data["definition"] = "Changed in the admin. It still has two sentences."
    data["faqs-0-answer"] = "A changed answer."

    response = client.post(reverse("admin:terms_term_change", args=[term.pk]), data)

    assert response.status_code == 302
    recorded = history.versions_of(term.pk)
    assert (recorded[0].who, recorded[0].source) == ("alice", "Admin")
    assert history.summaries(recorded)[recorded[0].id] == ["Definition", "FAQs"]


def test_an_api_write_is_recorded_as_coming_from_the_api(term, alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")

    response = client.patch(
        f"{API}/terms/{term.slug}/", {"aliases": ["MT"]}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 200
    assert (latest(term).who, latest(term).source) == ("alice", "API")
    assert latest(term).fields["aliases"] == ["MT"]


def test_an_import_is_recorded_as_an_import_by_whoever_ran_it(term, alice):
    entry = importers.export_term(Term.objects.with_related().get(pk=term.pk))
    changed = entry.replace("is a thing worth knowing", "is worth knowing well")
    entries = importers.parse_sources([("model-training.txt", changed.encode())])

    importers.import_entries(entries, by=alice)

    assert (latest(term).who, latest(term).source) == ("alice", "Import")
    assert "worth knowing well" in latest(term).fields["definition"]


def test_relating_two_terms_records_a_version_of_each(term):
    other = make_term("Model Inference")
    with writing.batch():
        writing.replace_term(term, {}, links={"related_terms": [other]})

    assert latest(term).fields["related_terms"] == [other.pk]
    assert latest(other).fields["related_terms"] == [term.pk]


def test_a_dry_run_import_records_nothing(term):
    before = len(history.versions_of(term.pk))
    entry = importers.export_term(Term.objects.with_related().get(pk=term.pk))
    entries = importers.parse_sources([("t.txt", entry.replace("worth", "well worth").encode())])

    importers.import_entries(entries, dry_run=True)

    assert len(history.versions_of(term.pk)) == before


def test_recording_a_large_batch_costs_a_constant_number_of_queries(
    db, django_assert_max_num_queries
):
    terms = [make_term(f"Bulk {i}", children=2) for i in range(30)]
    # Prefetching the terms and their children, then one revision with its versions.
    with django_assert_max_num_queries(12):
        history.record([t.pk for t in terms])
    assert all(len(history.versions_of(t.pk)) for t in terms)


def test_a_recorded_version_holds_what_django_reversion_would_record(term):
    other = make_term("Model Inference")
    with writing.batch():
        writing.replace_term(term, {}, links={"related_terms": [other], "see_also": [other]})
    with reversion.create_revision():
        reversion.add_to_revision(Term.everything.get(pk=term.pk))

    by_reversion, ours = Version.objects.get_for_object(term)[:2]
    compared = ("content_type", "object_id", "db", "format", "object_repr")
    assert [getattr(ours, name) for name in compared] == [
        getattr(by_reversion, name) for name in compared
    ]
    assert json.loads(ours.serialized_data) == json.loads(by_reversion.serialized_data)
    assert ours.field_dict["related_terms"] == [other.pk]


# ---------------------------------------------------------------------------- history page


@pytest.fixture
def edited(term, alice):
    """The term changed twice by Alice in the admin: "first" and "second" definitions."""
    edit(term, by=alice, source=Source.ADMIN, definition="The first definition. It is short.")
    edit(term, by=alice, source=Source.ADMIN, definition="The second definition. It is short.")
    return term


def test_the_history_page_lists_versions_with_who_when_source_and_what_changed(
    edited,
    alice,
    django_assert_max_num_queries,
):
    client = session(alice)
    with django_assert_max_num_queries(12):
        response = client.get(history_url(edited))

    assert response.status_code == 200
    text = response.content.decode()
    assert "alice" in text and "Admin" in text and "Definition" in text
    assert text.count('name="old"') == len(history.versions_of(edited.pk))


def edited_times(term, times, alice):
    for i in range(times):
        edit(term, by=alice, source=Source.ADMIN, definition=f"Definition number {i}. Short.")


def test_a_long_history_is_paged_newest_first(term, alice, monkeypatch):
    monkeypatch.setattr(history, "PER_PAGE", 5)
    edited_times(term, 11, alice)
    recorded = history.versions_of(term.pk)
    pages = -(-len(recorded) // 5)
    client = session(alice)

    first = client.get(history_url(term))
    assert [row["version"].number for row in first.context["rows"]] == [
        v.number for v in recorded[:5]
    ]
    assert f"Page 1 of {pages} ({len(recorded)} versions)" in first.content.decode()
    # The oldest row of a page still says what it changed, from the next page's newest.
    assert first.context["rows"][-1]["changed"] == ["Definition"]

    last = client.get(history_url(term) + f"?page={pages}")
    assert [row["version"].number for row in last.context["rows"]] == [
        v.number for v in recorded[(pages - 1) * 5 :]
    ]
    assert last.context["rows"][-1]["changed"] is None  # the first recorded version
    assert "Revert to this version" in last.content.decode()


def test_the_history_pages_query_count_does_not_grow_with_the_history(term, alice, monkeypatch):
    monkeypatch.setattr(history, "PER_PAGE", 5)
    client = session(alice)
    counts = []
    for times in (10, 30):
        edited_times(term, times, alice)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(history_url(term) + "?page=2").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 14


def test_the_history_page_of_a_missing_term_is_404(alice):
    response = session(alice).get(reverse("admin:terms_term_history", args=[99999]))
    assert response.status_code == 404


def test_a_user_without_permissions_cannot_see_history(edited, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", "n@example.com", "x", is_staff=True)
    response = session(nobody).get(history_url(edited))
    assert response.status_code == 403


def test_the_comparison_shows_the_definitions_side_by_side_by_word(
    edited,
    alice,
    django_assert_max_num_queries,
):
    second, first = history.versions_of(edited.pk)[:2]
    client = session(alice)
    with django_assert_max_num_queries(12):
        response = client.get(compare_url(edited, first, second))

    assert response.status_code == 200
    text = response.content.decode()
    assert "<del>first</del>" in text
    assert "<ins>second</ins>" in text


def test_the_comparison_lists_changed_children_by_item(term, alice):
    before = latest(term)
    with writing.batch():
        writing.replace_term(term, {}, faqs=[{"question": "Only one left?", "answer": "Yes, one."}])

    changes = history.compare(before, latest(term))

    faqs = next(c for c in changes if c.label == "FAQs")
    assert {item.tag for item in faqs.items} >= {"removed"}
    assert [c.label for c in changes] == ["FAQs"]


def test_comparing_with_a_version_of_another_term_is_404(edited, alice):
    other = make_term("Elsewhere")
    response = session(alice).get(compare_url(edited, latest(other), latest(edited)))
    assert response.status_code == 404


# ---------------------------------------------------------------------------- revert


def test_revert_writes_the_old_version_back_children_and_relations_included(term, alice):
    other = make_term("Model Inference")
    aws = Provider.objects.get(short_name="AWS")
    with writing.batch():
        writing.replace_term(term, {}, links={"related_terms": [other]}, no_equivalent_on=[aws])
    wanted = latest(term)
    exported = importers.export_term(Term.objects.with_related().get(pk=term.pk))
    with writing.batch():
        writing.replace_term(
            term,
            {"name": "Training Models", "category": make_category("data")},
            use_cases=[],
            faqs=[],
            links={"related_terms": []},
            no_equivalent_on=[],
        )
    term.refresh_from_db()

    response = session(alice).post(revert_url(term, wanted), {"opened_version": term.version})

    assert response.status_code == 302
    reverted = Term.objects.with_related().get(pk=term.pk)
    assert importers.export_term(reverted) == exported
    assert list(reverted.no_equivalent_on.all()) == [aws]


def test_revert_is_itself_recorded_as_a_new_version(edited, alice):
    first = history.versions_of(edited.pk)[1]
    edited.refresh_from_db()

    session(alice).post(revert_url(edited, first), {"opened_version": edited.version})

    recorded = history.versions_of(edited.pk)
    assert recorded[0].comment == f"Reverted “Model Training” to version {first.number}"
    assert recorded[0].fields["definition"] == first.fields["definition"]
    assert recorded[0].number == first.number + 2


def test_revert_from_a_stale_page_is_refused_and_changes_nothing(edited, alice, bob):
    first = history.versions_of(edited.pk)[1]
    edited.refresh_from_db()
    opened = edited.version
    edit(edited, by=bob, source=Source.ADMIN, definition="Bob's newer text. It stays.")

    response = session(alice).post(revert_url(edited, first), {"opened_version": opened})

    assert response.status_code == 302
    assert Term.objects.get(pk=edited.pk).definition == "Bob's newer text. It stays."
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("changed by bob" in m and "Nothing was reverted" in m for m in messages)


def test_revert_needs_the_change_permission(edited, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", "v@example.com", "x", is_staff=True)
    viewer.user_permissions.add(*_perms("view_term"))
    first = history.versions_of(edited.pk)[1]

    response = session(viewer).post(revert_url(edited, first), {"opened_version": 99})

    assert response.status_code == 403


def test_revert_by_get_is_not_allowed(edited, alice):
    first = history.versions_of(edited.pk)[1]
    assert session(alice).get(revert_url(edited, first)).status_code == 405


def _perms(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)


def test_record_history_gives_terms_without_a_version_their_first(term, capsys):
    from django.core.management import call_command
    from reversion.models import Version

    Version.objects.all().delete()

    call_command("record_history")
    call_command("record_history")

    assert [v.comment for v in history.versions_of(term.pk)] == ["First recorded version"]
    assert "of 0 terms" in capsys.readouterr().out


def test_revert_to_a_name_another_term_took_since_is_refused_with_a_message(term, alice):
    old_name = latest(term)
    edit(term, name="Training of Models", slug="training-of-models")
    make_term("Model Training")
    term.refresh_from_db()

    response = session(alice).post(revert_url(term, old_name), {"opened_version": term.version})

    assert response.status_code == 302
    assert Term.objects.get(pk=term.pk).name == "Training of Models"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("no longer fits the glossary" in m for m in messages)
