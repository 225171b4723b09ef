"""The one write path: what every writer of whole terms (import, API, admin) relies on."""

import datetime
import re
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms import linking, textformat, writing
from terms.importers import entry_for_term, import_entries
from terms.models import FAQ, ContentGeneration, Provider, ProviderEquivalent, Term
from tests.conftest import make_category, make_term

# The query that reads every term for a link index.
LINK_INDEX_LOAD = re.compile(
    r'^SELECT "terms_term"\."id" AS "id", .*"aliases" FROM "terms_term"( ORDER BY [\w ]+)?$'
)


def link_index_loads(captured):
    return sum(bool(LINK_INDEX_LOAD.match(query["sql"])) for query in captured)


def entry(name, definition=None, faqs=2):
    return textformat.Entry(
        name=name,
        definition=definition or f"{name} is worth knowing. It has a second sentence.",
        category="storage",
        difficulty="beginner",
        faqs=[textformat.FAQ(f"Question {i}?", f"Answer {i}.") for i in range(faqs)],
        equivalents=[textformat.Equivalent("AWS", f"{name} Service")],
    )


@pytest.fixture
def curated(db):
    """A term whose AWS equivalent carries what only editors set in the admin."""
    term = make_term("Object Storage", category="storage")
    ProviderEquivalent.objects.create(
        term=term,
        provider=Provider.objects.get(slug="aws"),
        service="Amazon S3",
        url="https://docs.aws.amazon.com/s3/",
        former_names=["Simple Storage Service"],
        verified_on=datetime.date(2026, 11, 1),
    )
    return term


def editor_fields(term):
    return list(term.provider_equivalents.values_list("url", "former_names", "verified_on"))


def test_an_api_patch_that_sends_the_equivalents_back_keeps_editor_only_fields(curated, editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    before = editor_fields(curated)
    equivalents = client.get("/api/v1/terms/object-storage/").json()["provider_equivalents"]
    payload = [
        {"provider": e["provider"]["slug"], "service": e["service"], "note": e["note"]}
        for e in equivalents
    ]
    response = client.patch(
        "/api/v1/terms/object-storage/", {"provider_equivalents": payload}, format="json"
    )
    assert response.status_code == 200
    assert editor_fields(curated) == before


def test_an_import_that_changes_the_term_keeps_editor_only_fields(curated):
    before = editor_fields(curated)
    changed = entry_for_term(Term.objects.with_related().get(pk=curated.pk))
    import_entries([replace(changed, definition="Keeps objects. Now with more words.")])
    assert Term.objects.get(pk=curated.pk).definition.startswith("Keeps objects.")
    assert editor_fields(curated) == before


def test_a_service_renamed_by_a_write_starts_without_editor_only_fields(curated):
    aws = Provider.objects.get(slug="aws")
    writing.replace_term(curated, {}, equivalents=[{"provider": aws, "service": "Amazon S4"}])
    assert editor_fields(curated) == [("", [], None)]


def test_a_writes_queries_do_not_grow_with_its_faqs(db):
    make_category("storage")
    counts = []
    for name, faqs in (("Few", 1), ("Many", 30)):
        with CaptureQueriesContext(connection) as captured:
            import_entries([entry(name, faqs=faqs)])
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert FAQ.objects.filter(term__name="Many").exclude(answer_html="").count() == 30


def test_an_import_reads_the_link_index_at_most_once(db):
    with CaptureQueriesContext(connection) as captured:
        import_entries([entry(f"Term {i}") for i in range(12)])
    assert Term.objects.count() == 12
    assert link_index_loads(captured) <= 1


def test_a_term_links_to_one_created_later_in_the_same_import(db):
    import_entries([entry("Alpha", "Alpha feeds the Omega Store. More."), entry("Omega Store")])
    alpha = Term.objects.get(name="Alpha")
    assert 'href="/terms/omega-store/"' in alpha.definition_html
    assert list(alpha.mentions.values_list("name", flat=True)) == ["Omega Store"]


def test_a_new_term_links_the_terms_that_already_mention_it(db):
    older = make_term("Alpha", definition="Alpha feeds the Omega Store. More.")
    make_term("Omega Store")
    older.refresh_from_db()
    assert 'href="/terms/omega-store/"' in older.definition_html


def test_a_renamed_term_is_no_longer_linked_by_its_old_name(db):
    older = make_term("Alpha", definition="Alpha feeds the Omega Store. More.")
    omega = make_term("Omega Store")
    writing.replace_term(omega, {"name": "Theta Store", "slug": "theta-store"})
    older.refresh_from_db()
    assert "term-link" not in older.definition_html
    assert not older.mentions.exists()


def test_a_summary_change_reaches_the_links_to_the_term(db):
    older = make_term("Alpha", definition="Alpha feeds the Omega Store. More.")
    omega = make_term("Omega Store", definition="Keeps omegas. Really.")
    writing.replace_term(omega, {"definition": "Stores omegas safely. Really."})
    older.refresh_from_db()
    assert 'data-summary="Stores omegas safely."' in older.definition_html


def test_a_failed_batch_changes_nothing(db):
    make_category("storage")

    def import_then_fail():
        with writing.batch():
            import_entries([entry("Alpha")])
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_then_fail()
    assert not Term.objects.exists()


def test_the_link_index_is_reused_between_saves(transactional_db):
    ContentGeneration.objects.get_or_create(pk=1)  # a transactional test starts flushed
    first = make_term("Alpha", definition="Alpha knows Beta Store. More.")
    with CaptureQueriesContext(connection) as captured:
        make_term("Beta Store")
    assert link_index_loads(captured) <= 1
    with CaptureQueriesContext(connection) as captured:
        make_term("Gamma Store", definition="Gamma follows Beta Store. More.")
    # The first save after a process starts reads the index; the next ones reuse it.
    assert link_index_loads(captured) == 0
    first.refresh_from_db()
    assert 'href="/terms/beta-store/"' in first.definition_html
    assert 'href="/terms/beta-store/"' in Term.objects.get(name="Gamma Store").definition_html
    assert linking.link_index()[0].get("gamma store").slug == "gamma-store"


def test_terms_written_in_one_batch_share_one_time(db):
    import_entries([entry("Nimbus Store"), entry("Nimbus Queue"), entry("Nimbus Cache")])
    times = set(Term.objects.values_list("created_at", "updated_at"))
    assert len(times) == 1
    (created, updated), *_ = times
    assert created == updated


def test_a_change_in_a_later_batch_moves_only_that_terms_updated_at(db):
    import_entries([entry("Nimbus Store"), entry("Nimbus Queue")])
    store = Term.objects.get(name="Nimbus Store")
    writing.replace_term(store, {"definition": "Changed. It still has two sentences."})
    stored = dict(Term.objects.values_list("name", "updated_at"))
    assert stored["Nimbus Store"] > stored["Nimbus Queue"]
    assert store.updated_at == stored["Nimbus Store"]
    assert Term.objects.get(pk=store.pk).created_at < store.updated_at


def version_updates(captured):
    """The statements after the batch's saves that count versions up or stamp times."""
    stamps = re.compile(
        r'UPDATE "terms_term" SET "(version|updated_at)" .* WHERE "terms_term"\."id" IN '
    )
    return [q["sql"] for q in captured if stamps.match(q["sql"])]


def test_a_batch_counts_versions_and_stamps_times_in_one_update(db):
    edited, related = make_term("Alpha"), make_term("Beta")
    before = {t.pk: t for t in Term.everything.all()}
    with CaptureQueriesContext(connection) as captured, writing.batch():
        writing.replace_term(
            edited, {"definition": "Alpha changed. More."}, links={"related_terms": [related]}
        )
        created = writing.replace_term(
            Term(category=edited.category, difficulty="beginner"),
            {"name": "Gamma", "slug": "gamma", "definition": "Gamma is new. More."},
        )
    assert len(version_updates(captured)) == 1
    after = {t.pk: t for t in Term.everything.all()}
    # Every changed term counts one version up; the related end was not written.
    assert [after[pk].version - before[pk].version for pk in before] == [1, 1]
    assert after[created.pk].version == 1
    assert after[edited.pk].updated_at == after[created.pk].updated_at == created.updated_at
    assert after[edited.pk].created_at == before[edited.pk].created_at
    assert after[created.pk].created_at == created.updated_at
    assert after[related.pk].updated_at == before[related.pk].updated_at


def test_an_import_counts_versions_in_one_update_per_chunk(db, monkeypatch):
    monkeypatch.setattr("terms.versions.CHUNK", 2)
    make_category("storage")
    with CaptureQueriesContext(connection) as captured:
        import_entries([entry(f"Term {i}") for i in range(5)])
    assert len(version_updates(captured)) == 3
    assert set(Term.objects.values_list("version", flat=True)) == {1}
    assert Term.objects.values("created_at", "updated_at").distinct().count() == 1


def test_setting_links_writes_and_touches_only_what_changes(db):
    alpha, beta, gamma, delta = (make_term(name) for name in ("Alpha", "Beta", "Gamma", "Delta"))
    with writing.batch():
        writing.set_links({alpha.pk: {"related_terms": [beta, gamma], "see_also": [delta]}})
    before = dict(Term.everything.values_list("pk", "version"))

    with CaptureQueriesContext(connection) as captured, writing.batch():
        writing.set_links({alpha.pk: {"related_terms": [beta, delta], "see_also": [delta]}})

    after = dict(Term.everything.values_list("pk", "version"))
    # Beta keeps its relation: it does not change; Gamma loses one, Delta gains one.
    assert {pk: after[pk] - before[pk] for pk in after} == {
        alpha.pk: 1,
        beta.pk: 0,
        gamma.pk: 1,
        delta.pk: 1,
    }
    related_writes = [
        q["sql"] for q in captured if re.match(r'(INSERT INTO|DELETE FROM) "terms_term_', q["sql"])
    ]
    # One DELETE (Gamma, both ways) and one INSERT (Delta, both ways); see also unchanged.
    assert len(related_writes) == 2
    assert all("terms_term_related_terms" in sql for sql in related_writes)
    assert set(alpha.related_terms.values_list("name", flat=True)) == {"Beta", "Delta"}
    assert not gamma.related_terms.exists()
    assert list(delta.related_terms.values_list("name", flat=True)) == ["Alpha"]
    assert list(alpha.see_also.values_list("name", flat=True)) == ["Delta"]
