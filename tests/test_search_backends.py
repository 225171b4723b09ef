"""Checks pinned to a search backend: its schema, its SQL and its rows."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from terms import search
from terms.models import (
    FAQ,
    Provider,
    ProviderEquivalent,
    SearchName,
    SearchWord,
    SearchWordKey,
    Term,
    UseCase,
)
from terms.search import query as bounds
from terms.search.backends import get_backend
from terms.search.backends.base import Filters
from terms.search.backends.postgresql import PostgresBackend
from tests.conftest import make_term

POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
SQLITE = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def found(query):
    ids = search.search_terms(query).ids
    return set(Term.objects.filter(pk__in=ids).values_list("name", flat=True))


def schema():
    """What the search backend added to the database: names and definitions of its
    indexes, triggers, virtual tables and functions, and the documents' storage settings."""

    def normal(sql):
        return re.sub(r"\s+", " ", sql or "").replace("( ", "(").replace(" )", ")").strip()

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'terms_search%' "
                "AND sql IS NOT NULL ORDER BY name"
            )
            return {(kind, name, normal(sql)) for kind, name, sql in cursor.fetchall()}
        cursor.execute(
            "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename LIKE "
            "'terms_search%' UNION ALL SELECT 'function', proname, pg_get_functiondef(oid) "
            "FROM pg_proc WHERE proname LIKE 'terms_search%' UNION ALL SELECT 'trigger', "
            "tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid::regclass::text "
            "LIKE 'terms_search%' AND NOT tgisinternal UNION ALL SELECT 'storage', "
            "attname, attstorage::text || coalesce(attcompression::text, '') FROM pg_attribute "
            "WHERE attrelid = 'terms_searchdocument'::regclass AND attnum > 0 UNION ALL "
            "SELECT 'options', relname, array_to_string(reloptions, ',') FROM pg_class "
            "WHERE relname = 'terms_searchdocument'"
        )
        return {(kind, name, normal(sql)) for kind, name, sql in cursor.fetchall()}


def test_a_fresh_migrate_creates_what_a_rebuild_creates(db):
    migrated = schema()
    declared = {name for name in get_backend().SCHEMA if not name.endswith("_storage")}
    assert declared <= {name for _, name, _ in migrated}
    search.rebuild_index()
    assert schema() == migrated


def test_documents_list_children_in_editorial_order(db):
    # Written out of order: what a term's searchable text is does not depend on it.
    term = make_term("Nimbus Store", aliases=["Cloud Shelf", "Sky Box"])
    aws, azure = Provider.objects.get(slug="aws"), Provider.objects.get(slug="azure")
    for position, org in ((2, "Zeta"), (0, "Alpha"), (1, "Mid")):
        UseCase.objects.create(
            term=term, organization=org, title="t", description="d", outcome="o", position=position
        )
        FAQ.objects.create(term=term, question=f"{org}?", answer="a", position=position)
    ProviderEquivalent.objects.create(term=term, provider=azure, service="Blob", position=1)
    ProviderEquivalent.objects.create(
        term=term, provider=aws, service="S3", former_names=["Simple"], position=0
    )
    document = term.search_document
    document.refresh_from_db()
    assert document.names == "Nimbus Store · Cloud Shelf · Sky Box"
    assert document.services == "AWS: S3 / Simple · Azure: Blob"
    assert document.body == (
        "Alpha: t. d o\nMid: t. d o\nZeta: t. d o\nAlpha? a\nMid? a\nZeta? a\nAI & Machine Learning"
    )
    assert document.providers in {f",{aws.pk},{azure.pk},", f",{azure.pk},{aws.pk},"}


def test_snippets_quote_the_first_matching_passage_in_editorial_order(db):
    term = make_term("Nimbus Store", definition="Keeps things.")
    for position, org in ((1, "Second"), (0, "First")):
        UseCase.objects.create(
            term=term,
            organization=org,
            title="Moves quokka crates",
            description="d",
            outcome="o",
            position=position,
        )
    hit = search.search_terms("quokka").page(1).object_list[0]
    assert hit.snippet.startswith("First: Moves <mark>quokka</mark> crates")


@SQLITE
def test_sqlite_rebuild_keeps_the_triggers(db):
    def triggers():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            return [row[0] for row in cursor.fetchall()]

    expected = [f"terms_searchdocument_{kind}" for kind in ("ad", "ai", "au")]
    expected.append("terms_searchword_ai")
    assert triggers() == expected
    search.rebuild_index()
    assert triggers() == expected
    make_term("Quokka Cache")
    assert found("quokka") == {"Quokka Cache"}
    assert get_backend().name_ids(search.parse("quokka"), Filters(), 5)
    assert get_backend().similar_words("quokkka") == ["quokka"]


@POSTGRESQL
def test_a_word_too_common_to_rank_finds_the_same_matches_every_time(db, monkeypatch):
    # PostgreSQL may start a scan of a table larger than a quarter of its buffers where the
    # previous scan stopped; the results of a word too common to rank are the first it reads.
    monkeypatch.setattr(bounds, "COUNT_LIMIT", 50)
    monkeypatch.setattr(bounds, "RANK_LIMIT", 50)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting::int FROM pg_settings WHERE name = 'shared_buffers'")
        quarter = cursor.fetchone()[0] // 4
        if quarter > 10_000:
            pytest.skip("shared_buffers too large to outgrow here")
        # A synthetic term's document fills a page of its own.
        call_command("generate_terms", count=quarter + 200, seed=2, stdout=io.StringIO())
        cursor.execute("SELECT pg_relation_size('terms_searchdocument') / 8192")
        assert cursor.fetchone()[0] > quarter
    first = search.search_terms("data")
    assert first.total_capped
    for _ in range(3):
        again = search.search_terms("data")
        assert (again.ids, again.facets) == (first.ids, first.facets)


def name_hits(query):
    """The names-and-services matches (PostgreSQL: the title rows) with their facet values."""
    return get_backend().name_hits(search.parse(query), Filters(), 10)


def test_deleted_term_leaves_the_names_index(db):
    term = make_term("Photon Relay")
    assert [hit.term_id for hit in name_hits("photon")] == [term.pk]
    term.delete()
    assert name_hits("photon") == []


def test_name_matches_carry_the_saved_facet_values(db):
    term = make_term("Photon Relay", difficulty="beginner")
    term.difficulty = "advanced"
    term.save()
    assert [hit.difficulty for hit in name_hits("photon")] == ["advanced"]


def test_a_renamed_service_leaves_the_names_index(db):
    term = make_term("Star Catalogue")
    service = ProviderEquivalent.objects.create(
        term=term, provider=Provider.objects.get(slug="aws"), service="Quasar Finder"
    )
    assert [hit.term_id for hit in name_hits("quasar")] == [term.pk]
    service.service = "Nebula Finder"
    service.save()
    assert name_hits("quasar") == []


def index_contents():
    """Every row of the search index, in a comparable form."""
    vector = ", vector::text" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term_id, names, services, definition, body, category_id, difficulty, "
            f"providers{vector} FROM terms_searchdocument ORDER BY term_id"
        )
        documents = cursor.fetchall()
        cursor.execute(
            f"SELECT term_id, category_id, difficulty, providers{vector} "
            "FROM terms_searchtitle ORDER BY term_id"
        )
        titles = cursor.fetchall()
    return {
        "documents": documents,
        "titles": titles,
        "names": set(SearchName.objects.values_list("term_id", "key")),
        "words": set(SearchWord.objects.values_list("word", flat=True)),
        "keys": set(SearchWordKey.objects.values_list("key", "word")),
    }


def parallel_plans():
    """Make PostgreSQL run every plan it can in a parallel worker, even a small one."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        name = (
            "debug_parallel_query" if int(cursor.fetchone()[0]) >= 160000 else "force_parallel_mode"
        )
        cursor.execute(f"SET LOCAL {name} = on")


def test_rebuild_indexes_what_saving_indexed(sample):
    # The import indexed each term as it saved it; a rebuild writes the same index in bulk
    # (and on PostgreSQL computes the documents in parallel workers).
    saved = index_contents()
    assert len(saved["documents"]) == Term.objects.count()
    # Titles are PostgreSQL's; SQLite has an FTS5 index of names and services instead.
    assert len(saved["titles"]) == (
        Term.objects.count() if connection.vendor == "postgresql" else 0
    )
    if connection.vendor == "postgresql":
        parallel_plans()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {PostgresBackend.DOCUMENTS_SELECT}")
            plan = [row[0] for row in cursor.fetchall()]
        # Only a plan that is parallel safe throughout runs under a Gather as a whole.
        assert plan[0].startswith("Gather"), plan
    assert search.rebuild_index() == Term.objects.count()
    assert index_contents() == saved


@POSTGRESQL
def test_rebuild_runs_free_of_the_statement_timeout_that_bounds_requests(sample):
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '1ms'")

    assert search.rebuild_index() == Term.objects.count()


@POSTGRESQL
def test_searches_read_the_old_index_while_a_rebuild_computes_the_new(committed):
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            get_backend().stage_documents()
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute("SELECT count(*) FROM terms_searchdocument")
                assert cursor.fetchone()[0] == 2
                # An edit's reindex waits for the rebuild instead of writing to the old index.
                with pytest.raises(OperationalError, match="lock timeout"):
                    cursor.execute("DELETE FROM terms_searchdocument")
            transaction.set_rollback(True)
    finally:
        other.close()


@POSTGRESQL
def test_postgresql_keeps_vectors_in_the_row(sample):
    # Ranking reads every match's vector: out of line (TOAST) that read was most of its time.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstorage FROM pg_attribute a WHERE a.attrelid = "
            "'terms_searchdocument'::regclass AND a.attname = 'vector'"
        )
        assert cursor.fetchone() == ("m",)
        cursor.execute("SELECT count(*) FROM terms_searchdocument WHERE vector IS NOT NULL")
        assert cursor.fetchone()[0] == Term.objects.count()


@POSTGRESQL
def test_a_committed_rebuild_leaves_its_rows_marked_visible(committed):
    search.rebuild_index()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'terms_searchdocument'"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0
    assert visible == pages
    assert found("nimbus") == {"Nimbus Store", "Nimbus Queue"}


@POSTGRESQL
def test_a_search_reads_names_matches_and_labels_in_one_round_trip(sample):
    with CaptureQueriesContext(connection) as captured:
        results = search.search_terms("kubernetes")
    assert len(captured) == 1
    assert results.ids[0] == Term.objects.get(name="Kubernetes").pk
    assert results.facets["category"] and results.facets["provider"]


@POSTGRESQL
def test_statements_read_together_give_each_its_own_rows(sample, monkeypatch):
    statements = [
        ("SELECT name FROM terms_term WHERE slug = %s", ["kubernetes"]),
        ("SELECT name FROM terms_term WHERE slug = %s", ["no-such-term; --"]),
        ("SELECT %s::text, count(*) FROM terms_provider", ["50% off; 'quoted'"]),
    ]
    expected = [[("Kubernetes",)], [], [("50% off; 'quoted'", 4)]]
    backend = PostgresBackend()
    with CaptureQueriesContext(connection) as captured:
        assert backend.read_together(statements) == expected
    assert len(captured) == 1
    # Server-side binding takes one statement at a time.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    with CaptureQueriesContext(connection) as captured:
        assert backend.read_together(statements) == expected
    assert len(captured) == 3
