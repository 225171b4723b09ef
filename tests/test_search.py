from dataclasses import replace

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from terms import search, textformat
from terms.importers import import_entries
from terms.models import (
    FAQ,
    Category,
    Provider,
    ProviderEquivalent,
    SearchWordKey,
    Term,
    UseCase,
)
from terms.search import query as bounds
from tests.conftest import SAMPLE, make_term


def first(query, **narrowing):
    results = search.search_terms(query, **narrowing)
    return Term.objects.get(pk=results.ids[0]).name if results.ids else None


def found(query):
    return set(
        Term.objects.filter(pk__in=search.search_terms(query).ids).values_list("name", flat=True)
    )


# What a reader types, and the term that must come first on the sample glossary.
RELEVANCE = [
    ("Kubernetes", "Kubernetes"),  # name
    ("kubernetes", "Kubernetes"),  # any case
    ("RAG", "Retrieval-Augmented Generation (RAG)"),  # abbreviation in the name
    ("LLM", "Large Language Model (LLM)"),
    ("IaC", "Infrastructure as Code (IaC)"),
    ("retrieval augmented generation", "Retrieval-Augmented Generation (RAG)"),
    ("SageMaker Training", "Model Training"),  # provider service
    ("Lambda", "Serverless Computing"),
    ("BigQuery", "Data Warehouse"),
    ("Route 53", "Domain Name System (DNS)"),
    ("Blob Storage", "Object Storage"),
    ("spam", "Model Training"),  # a word from a use case
    ("kube", "Kubernetes"),  # name prefixes
    ("retr", "Retrieval-Augmented Generation (RAG)"),
    ("obser", "Observability"),
    ("vector database", "Vector Database"),
    ('"zero trust"', "Zero Trust"),  # phrase
    ("serverles", "Serverless Computing"),  # typo that is still a prefix
]


@pytest.mark.parametrize(("query", "expected"), RELEVANCE)
def test_expected_term_comes_first(sample, query, expected):
    assert first(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("retreival", "Retrieval-Augmented Generation (RAG)"),
        ("kubernets", "Kubernetes"),
        ("embeding", "Embedding"),
        ("obsevability", "Observability"),
        ("kubernetez", "Kubernetes"),  # one letter replaced
        ("embeddnig", "Embedding"),  # two letters swapped
        ("obsrvabilty", "Observability"),  # two letters missing: beyond the deletion keys
    ],
)
def test_typo_suggests_the_closest_term_name(sample, query, expected):
    suggestions = search.search_terms(query).suggestions
    assert expected in [s.name for s in suggestions]


def suggested(query):
    return [s.name for s in search.search_terms(query).suggestions]


def test_typo_of_a_new_term_name_is_corrected_at_once(db):
    make_term("Photon Relay")
    assert suggested("photn") == ["Photon Relay"]


def test_typo_of_a_new_service_name_is_corrected_at_once(db):
    term = make_term("Photon Relay")
    ProviderEquivalent.objects.create(
        term=term, provider=Provider.objects.get(slug="aws"), service="Amazon Lightbeam"
    )
    assert SearchWordKey.objects.filter(key="lightbam", word="lightbeam").exists()
    assert suggested("lightbaem") == ["Photon Relay"]


def test_typo_of_an_imported_term_name_is_corrected(sample):
    entry = replace(kubernetes_with_use_case_title("Runs the fleet"), name="Quokkanetes")
    import_entries([replace(entry, aliases=[])])
    assert SearchWordKey.objects.filter(key="quokkanets", word="quokkanetes").exists()
    assert "Quokkanetes" in suggested("quokkanets")


def test_rebuild_restores_the_typo_keys(sample):
    SearchWordKey.objects.all().delete()
    search.rebuild_index()
    assert SearchWordKey.objects.filter(key="kubernets", word="kubernetes").exists()


def test_search_word_key_is_unique(db):
    SearchWordKey.objects.create(key="kubernets", word="kubernetes")
    with pytest.raises(IntegrityError):
        SearchWordKey.objects.create(key="kubernets", word="kubernetes")


def test_correctly_spelt_query_gets_no_suggestion(sample):
    assert search.search_terms("Kubernetes").suggestions == []


def test_excluded_word_removes_matches(sample):
    assert "Encryption at Rest" in found("encryption")
    assert "Encryption at Rest" not in found("encryption -rest")


def test_a_prefix_of_three_letters_or_more_matches_words_in_the_text(db):
    make_term("Gem Store", definition="Keeps zirconium safe.")
    assert found("zir*") == {"Gem Store"}
    # A shorter prefix is read as a word: PostgreSQL would join every word starting with it.
    assert search.parse("zi*").clauses == [("word", ["zi"])]
    assert found("zi*") == set()


def test_exact_alias_ranks_above_definitions_that_mention_it(db):
    make_term("Widget Store", definition="Widget Store keeps frobnicator frobnicator frobnicator.")
    make_term("Object Bucket", aliases=["Frobnicator"])
    assert first("frobnicator") == "Object Bucket"


def test_name_prefix_ranks_above_full_text_matches(db):
    make_term("Alpha Service", definition="Mentions the Gamma Ray word gamma many times: gamma.")
    make_term("Gamma Ray Burst")
    assert first("gamma") == "Gamma Ray Burst"


def test_bounded_ranking_still_puts_name_matches_first(db, monkeypatch):
    monkeypatch.setattr(bounds, "RANK_LIMIT", 2)
    for i in range(6):
        make_term(f"Filler {i}", definition=f"Filler {i} talks about quasar data at length.")
    make_term("Quasar Catalogue")
    results = search.search_terms("quasar")
    assert Term.objects.get(pk=results.ids[0]).name == "Quasar Catalogue"
    assert results.total == 7


def test_bounded_ranking_keeps_out_what_the_query_excludes(db, monkeypatch):
    # Too many matches to rank: name matches go first, but only those the whole query matches.
    monkeypatch.setattr(bounds, "RANK_LIMIT", 2)
    for i in range(6):
        make_term(f"Filler {i}", definition=f"Filler {i} talks about quasar data at length.")
    make_term("Quasar Catalogue", definition="Lists every pulsar too.")
    make_term("Quasar Atlas", definition="Maps them.")
    assert found("quasar -pulsar") == {"Quasar Atlas"} | {f"Filler {i}" for i in range(6)}
    assert first("quasar -pulsar") == "Quasar Atlas"


def test_bounded_ranking_puts_service_matches_first_and_follows_edits(db, monkeypatch):
    monkeypatch.setattr(bounds, "RANK_LIMIT", 2)
    for i in range(6):
        make_term(f"Filler {i}", definition=f"Filler {i} talks about quasar data at length.")
    catalogue = make_term("Star Catalogue")
    service = ProviderEquivalent.objects.create(
        term=catalogue, provider=Provider.objects.get(slug="aws"), service="Quasar Finder"
    )
    assert first("quasar") == "Star Catalogue"
    service.service = "Nebula Finder"
    service.save()
    assert first("nebula") == "Star Catalogue"
    assert found("quasar") == {f"Filler {i}" for i in range(6)}


def phrase_terms():
    """Four terms with "quasar" and "lattice", in this order; the 1st and the 4th have them
    side by side."""
    return [
        make_term("Filler 0", definition="A quasar lattice holds the data."),
        make_term("Filler 1", definition="A quasar, and then a lattice."),
        make_term("Filler 2", definition="A lattice beside a quasar."),
        make_term("Filler 3", definition="Another quasar lattice here."),
    ]


def test_a_phrase_is_looked_for_in_the_first_terms_with_its_words(db, monkeypatch):
    terms = phrase_terms()
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 3)
    results = search.search_terms('"quasar lattice"')
    assert (results.ids, results.total, results.phrase_capped) == ([terms[0].pk], 1, True)
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 4)
    results = search.search_terms('"quasar lattice"')
    assert (sorted(results.ids), results.phrase_capped) == ([terms[0].pk, terms[3].pk], False)
    # Only a phrase is bounded so: the same words apart find every term.
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 1)
    assert search.search_terms("quasar lattice").total == 4


def test_a_bounded_phrase_still_puts_a_term_named_with_it_first(db, monkeypatch):
    terms = phrase_terms()
    named = make_term("Quasar Lattice Map", definition="A quasar and a lattice, drawn.")
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 4)  # the named term is the 5th
    results = search.search_terms('"quasar lattice"')
    assert results.ids == [named.pk, terms[0].pk, terms[3].pk]
    assert (results.total, results.phrase_capped) == (3, True)


def test_a_facet_no_slug_can_be_narrows_to_nothing(db, client):
    # PostgreSQL refuses text with a NUL byte: such a value is unknown, and never asked for.
    make_term("Nimbus Store")
    for facet in ("category", "provider"):
        page = client.get(reverse("terms:search"), {"q": "nimbus", facet: "a\x00b"})
        assert page.status_code == 200
        assert "0 terms found." in page.content.decode()


def test_search_page_says_when_a_phrase_was_looked_for_in_part(db, client, monkeypatch):
    phrase_terms()
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 3)
    page = client.get(reverse("terms:search"), {"q": '"quasar lattice"'}).content.decode()
    assert "1 term found." in page
    assert "More than 3 terms have all these words" in page
    monkeypatch.setattr(bounds, "PHRASE_CANDIDATES", 4)
    page = client.get(reverse("terms:search"), {"q": '"quasar lattice"'}).content.decode()
    assert "2 terms found." in page
    assert "have all these words" not in page


def test_name_matches_beyond_the_counted_ones_are_in_the_facets(db, monkeypatch):
    monkeypatch.setattr(bounds, "COUNT_LIMIT", 3)
    monkeypatch.setattr(bounds, "RANK_LIMIT", 3)
    for i in range(6):
        make_term(f"Filler {i}", definition=f"Filler {i} talks about quasar data at length.")
    catalogue = make_term("Star Catalogue", category="storage", difficulty="advanced")
    ProviderEquivalent.objects.create(
        term=catalogue, provider=Provider.objects.get(slug="gcp"), service="Quasar Finder"
    )
    results = search.search_terms("quasar")
    assert results.ids[0] == catalogue.pk
    assert catalogue.pk not in results.ids[1:]
    assert counts(results, "category") == {"ai-ml": len(results.ids) - 1, "storage": 1}
    assert counts(results, "provider") == {"gcp": 1}


def test_count_stops_at_the_limit_and_says_so(db, monkeypatch):
    monkeypatch.setattr(bounds, "COUNT_LIMIT", 3)
    monkeypatch.setattr(bounds, "RANK_LIMIT", 3)
    for i in range(5):
        make_term(f"Filler {i}", definition=f"Filler {i} talks about quasar data at length.")
    results = search.search_terms("quasar")
    assert (results.total, results.total_capped) == (3, True)


# ---------------------------------------------------------------- index sync


def test_new_term_is_found_at_once(db):
    make_term("Photon Relay")
    assert found("photon") == {"Photon Relay"}


def test_updated_definition_replaces_old_words(db):
    term = make_term("Photon Relay", definition="Uses zeppelins.")
    term.definition = "Uses submarines."
    term.save()
    assert found("zeppelins") == set()
    assert found("submarines") == {"Photon Relay"}


def test_use_case_changes_are_indexed(db):
    term = make_term("Photon Relay")
    use_case = UseCase.objects.create(
        term=term, organization="Acme", title="Moves petabytes", description="d", outcome="o"
    )
    assert found("petabytes") == {"Photon Relay"}
    use_case.title = "Moves exabytes"
    use_case.save()
    assert found("petabytes") == set()
    use_case.delete()
    assert found("exabytes") == set()


def test_faq_changes_are_indexed(db):
    term = make_term("Photon Relay")
    faq = FAQ.objects.create(term=term, question="Is it quick?", answer="Blazingly.")
    assert found("blazingly") == {"Photon Relay"}
    faq.delete()
    assert found("blazingly") == set()


def test_provider_service_changes_are_indexed(db):
    term = make_term("Photon Relay")
    equivalent = ProviderEquivalent.objects.create(
        term=term, provider=Provider.objects.get(slug="aws"), service="Amazon Lightbeam"
    )
    assert found("lightbeam") == {"Photon Relay"}
    equivalent.delete()
    assert found("lightbeam") == set()


def test_category_rename_is_indexed(db):
    make_term("Photon Relay", category="optics")
    category = Category.objects.get(slug="optics")
    category.name = "Lasers"
    category.save()
    assert found("lasers") == {"Photon Relay"}


def kubernetes_with_use_case_title(title):
    path = SAMPLE / "kubernetes.txt"
    entry = textformat.parse(path.read_text(encoding="utf-8"), str(path))
    return replace(
        entry, use_cases=[replace(entry.use_cases[0], title=title), *entry.use_cases[1:]]
    )


def test_import_indexes_children_of_changed_terms(sample):
    import_entries([kubernetes_with_use_case_title("Runs the quokka fleet")])
    assert found("quokka") == {"Kubernetes"}


def test_dry_run_import_leaves_the_index_alone(sample):
    import_entries([kubernetes_with_use_case_title("Runs the quokka fleet")], dry_run=True)
    assert found("quokka") == set()


def test_rebuild_command_restores_a_cleared_index(sample):
    from terms.models import SearchDocument

    SearchDocument.objects.all().delete()
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert first("RAG") == "Retrieval-Augmented Generation (RAG)"


# ---------------------------------------------------------------- result cache


def only_the_change_count(captured):
    """Whether the captured queries are the index's change count, nothing else (a search
    computed afresh on PostgreSQL is one statement too, so the count alone would not tell)."""
    return [q["sql"] for q in captured] == [
        "SELECT value FROM terms_contentgeneration WHERE id = 1"
    ]


def test_repeated_search_is_served_from_the_cache(committed):
    first_results = search.search_terms("nimbus")
    with CaptureQueriesContext(connection) as captured:
        again = search.search_terms("NIMBUS ")
    assert only_the_change_count(captured)
    assert again.ids == first_results.ids
    assert again.query == "NIMBUS"


def test_repeated_search_page_reads_only_the_change_count(committed, client):
    url = reverse("terms:search") + "?q=nimbus"
    first_page = client.get(url).content
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert only_the_change_count(captured)
    assert again.content == first_page
    assert b"Nimbus Queue" in again.content


def test_an_edit_retires_a_cached_page_of_hits(committed, client):
    url = reverse("terms:search") + "?q=nimbus"
    assert b"Nimbus Queue" in client.get(url).content
    term = Term.objects.get(name="Nimbus Queue")
    term.name = "Nimbus Mailbox"
    term.definition = "A nimbus mailbox holds messages until they are read."
    term.save()
    page = client.get(url).content
    assert b"Nimbus Queue" not in page
    assert b"Nimbus Mailbox" in page
    assert b"mailbox holds messages until they are read." in page


def test_an_index_change_retires_cached_results(committed):
    assert len(search.search_terms("nimbus").ids) == 2
    make_term("Nimbus Stream")
    assert len(search.search_terms("nimbus").ids) == 3
    Term.objects.filter(name="Nimbus Queue").delete()
    assert len(search.search_terms("nimbus").ids) == 2


def test_a_rebuild_retires_cached_results(committed):
    before = search.search_terms("nimbus").ids
    search.rebuild_index()
    assert search.search_terms("nimbus").ids == before
    # A bulk update sends no signal: only the rebuild brings the index (and cache) up to date.
    Term.objects.filter(name="Nimbus Store").update(name="Cumulus", definition="Renamed.")
    assert len(search.search_terms("nimbus").ids) == 2
    search.rebuild_index()
    assert len(search.search_terms("nimbus").ids) == 1


def reads_the_index(call):
    """Whether `call` read the index (its name matches), not only the cached results."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return any("terms_searchname" in query["sql"] for query in captured)


def test_search_inside_a_transaction_is_not_cached(sample):
    search.search_terms("rag")
    assert reads_the_index(lambda: search.search_terms("rag"))


def test_cache_off_computes_every_time(committed, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    search.search_terms("nimbus")
    assert reads_the_index(lambda: search.search_terms("nimbus"))


# ---------------------------------------------------------------- hostile queries

HOSTILE = [
    '"unbalanced quote',
    'a "b',
    "AND OR NOT",
    "NEAR(a b)",
    "*",
    "-",
    "--rm -rf",
    "col:value",
    "{names}: x",
    "^start",
    "a & b | !c <-> d",
    "'; DROP TABLE terms_term; --",
    "%_\\",
    "x" * 5000,
    "word " * 300,
    "модель обучения",
    "機械学習",
    "نموذج",
    "🤖 emoji",
    "\x00\x01 control",
    "the of and",
]


@pytest.fixture
def few(db):
    make_term("Retrieval-Augmented Generation (RAG)", aliases=["RAG"], children=1)
    make_term("Model Training", children=1)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_never_fails(few, client, query):
    response = client.get(reverse("terms:search"), {"q": query})
    assert response.status_code == 200


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_prefix_never_fails(few, client, query):
    response = client.get(reverse("terms:search-suggest"), {"q": query})
    assert response.status_code == 200


def test_snippet_escapes_everything_but_the_marks(db):
    make_term("Tag Soup", definition="Contains <script>alert(1)</script> and the word zircon.")
    hit = search.search_terms("zircon").page(1).object_list[0]
    assert "<mark>zircon</mark>" in hit.snippet
    assert "<script>" not in hit.snippet


def test_snippet_shows_the_matching_passage(sample):
    hit = search.search_terms("spam").page(1).object_list[0]
    assert "<mark>spam</mark>" in hit.snippet


# ---------------------------------------------------------------- facets


@pytest.fixture
def faceted(db):
    aws = Provider.objects.get(slug="aws")
    for i, (category, difficulty) in enumerate(
        [("storage", "beginner"), ("storage", "advanced"), ("compute", "beginner")]
    ):
        term = make_term(f"Nimbus {i}", category=category, difficulty=difficulty)
        if i < 2:
            ProviderEquivalent.objects.create(term=term, provider=aws, service=f"Nimbus S{i}")


def counts(results, facet):
    return {f.value: f.count for f in results.facets[facet]}


def test_facets_count_matches_by_category(faceted):
    assert counts(search.search_terms("nimbus"), "category") == {"storage": 2, "compute": 1}


def test_facets_count_matches_by_difficulty(faceted):
    assert counts(search.search_terms("nimbus"), "difficulty") == {"beginner": 2, "advanced": 1}


def test_facets_count_matches_by_provider(faceted):
    assert counts(search.search_terms("nimbus"), "provider") == {"aws": 2}


def test_facet_counts_follow_a_term_moved_to_another_category(faceted):
    term = Term.objects.get(name="Nimbus 2")
    term.category = Category.objects.get(slug="storage")
    term.difficulty = "advanced"
    term.save()
    results = search.search_terms("nimbus")
    assert counts(results, "category") == {"storage": 3}
    assert counts(results, "difficulty") == {"beginner": 1, "advanced": 2}


def test_facet_counts_follow_a_removed_provider_equivalent(faceted):
    ProviderEquivalent.objects.get(service="Nimbus S0").delete()
    assert counts(search.search_terms("nimbus"), "provider") == {"aws": 1}


def test_facet_narrows_results(faceted):
    results = search.search_terms("nimbus", category="storage", difficulty="beginner")
    assert [Term.objects.get(pk=pk).name for pk in results.ids] == ["Nimbus 0"]


def test_provider_facet_narrows_results(faceted):
    assert search.search_terms("nimbus", provider="aws").total == 2


def test_unknown_facet_value_finds_nothing(faceted):
    assert search.search_terms("nimbus", category="no-such-category").total == 0


# ---------------------------------------------------------------- pages and API


def test_search_page_shows_the_corrected_results_and_offers_the_query_as_typed(sample, client):
    response = client.get(reverse("terms:search"), {"q": "retreival"})
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Showing results for <strong>retrieval</strong>. Search instead for "
        '<a href="?q=retreival&amp;verbatim=1">retreival</a>.'
    ) in page
    assert [hit.term.name for hit in response.context["results"]][0] == (
        "Retrieval-Augmented Generation (RAG)"
    )


def test_search_page_as_typed_links_the_suggestion(sample, client):
    response = client.get(reverse("terms:search"), {"q": "retreival", "verbatim": "1"})
    assert response.status_code == 200
    assert b"0 terms found." in response.content
    assert b'Did you mean <a href="/terms/retrieval-augmented-generation-rag/">' in response.content


def test_search_hit_shows_its_link_snippet_and_badges(db, client):
    make_term(
        "Nimbus & Vault",
        slug="nimbus-vault",
        category="storage",
        difficulty="advanced",
        definition="A vault for nimbus secrets.",
    )
    page = client.get(reverse("terms:search"), {"q": "nimbus"}).content.decode()
    assert (
        '<a href="/terms/nimbus-vault/" class="term-link" data-summary="A vault for nimbus '
        'secrets.">Nimbus &amp; Vault</a>'
    ) in page
    assert "<mark>nimbus</mark>" in page.lower()
    assert '<a class="badge badge-category" href="/categories/storage/">Storage</a>' in page
    assert '<a class="badge badge-advanced" href="/terms/?difficulty=advanced">Advanced</a>' in page


def test_search_page_facet_link_narrows(faceted, client):
    response = client.get(reverse("terms:search"), {"q": "nimbus", "category": "compute"})
    assert [hit.term.name for hit in response.context["results"]] == ["Nimbus 2"]


def test_search_page_facet_links(faceted, client):
    Category.objects.filter(slug="compute").update(name="Compute <& more>")
    page = client.get(reverse("terms:search"), {"q": "nimbus", "category": "storage"})
    html = page.content.decode()
    # The chosen value's link removes it; the others narrow the query further.
    assert (
        '<li><a href="?q=nimbus" class="selected" aria-current="true" '
        'title="Remove this filter">Storage</a> <span class="facet-count">2</span></li>'
    ) in html
    assert (
        '<li><a href="?q=nimbus&amp;category=storage&amp;difficulty=advanced">Advanced</a> '
        '<span class="facet-count">1</span></li>'
    ) in html
    everything = client.get(reverse("terms:search"), {"q": "nimbus"}).content.decode()
    assert '>Compute &lt;&amp; more&gt;</a> <span class="facet-count">1</span>' in everything
    assert "<h2>Provider</h2>" in everything


def test_snippets_show_plain_text_not_markdown(db):
    make_term("Edge Cache")
    make_term(
        "Origin Shield",
        definition="Set **quokka** headers with `Cache-Control`, as [[Edge Cache|the edge]] "
        "and [the guide](https://example.com/guide) say.",
    )
    hit = search.search_terms("quokka").page(1).object_list[0]
    assert hit.term.name == "Origin Shield"
    assert "`" not in hit.snippet and "**" not in hit.snippet and "[" not in hit.snippet
    assert "<mark>quokka</mark> headers with Cache-Control, as the edge and the guide" in (
        hit.snippet
    )


def test_search_page_paginates(db, client):
    for i in range(25):
        make_term(f"Pager {i:02}")
    response = client.get(reverse("terms:search"), {"q": "pager", "page": 2})
    assert len(response.context["results"]) == 5


def test_search_page_query_count_does_not_grow_with_results(
    db, client, django_assert_max_num_queries
):
    for i in range(30):
        make_term(f"Counted {i}", children=2)
    # Name matches, full-text matches with their facets, their ranks (SQLite ranks
    # separately), facet labels, and the page's terms with the text of their snippets;
    # PostgreSQL reads the name matches, full-text matches and labels in one round trip.
    with django_assert_max_num_queries(5):
        client.get(reverse("terms:search"), {"q": "counted"})


def test_suggest_returns_names_for_the_first_letters(sample, client):
    response = client.get(reverse("terms:search-suggest"), {"q": "kub"})
    assert response.json()["results"][0] == {
        "name": "Kubernetes",
        "slug": "kubernetes",
        "url": "/terms/kubernetes/",
        "category": Term.objects.get(slug="kubernetes").category.name,
        "matched": None,
        "provider": None,
    }


def test_suggest_says_which_alias_matched(db):
    make_term("Kubernetes", aliases=["K8s"])
    [suggestion] = search.suggest("k8")
    assert (suggestion["name"], suggestion["matched"], suggestion["provider"]) == (
        "Kubernetes",
        "K8s",
        None,
    )


def test_suggest_says_which_service_matched_and_on_which_provider(db):
    term = make_term("Model Training")
    ProviderEquivalent.objects.create(
        term=term,
        provider=Provider.objects.get(slug="aws"),
        service="Amazon SageMaker AI",
        note="training jobs",
        former_names=["Amazon SageMaker Training"],
    )
    [suggestion] = search.suggest("sagemaker")
    assert (suggestion["matched"], suggestion["provider"]) == ("Amazon SageMaker AI", "AWS")
    [suggestion] = search.suggest("training j")
    assert suggestion["matched"] == "Amazon SageMaker AI (training jobs)"


def test_suggest_query_count_is_constant(db, client, django_assert_max_num_queries):
    for i in range(20):
        make_term(f"Suggested {i}")
    with django_assert_max_num_queries(4):
        client.get(reverse("terms:search-suggest"), {"q": "sugg"})


def test_api_search_keeps_the_ranking(sample, client):
    response = client.get("/api/v1/terms/", {"search": "RAG"})
    assert response.json()["results"][0]["name"] == "Retrieval-Augmented Generation (RAG)"


def test_api_search_with_ordering_orders_by_it(sample, client):
    response = client.get("/api/v1/terms/", {"search": "model", "ordering": "name"})
    names = [term["name"] for term in response.json()["results"]]
    assert names == sorted(names, key=str.lower)
    assert len(names) > 1


def test_a_provider_note_is_searched_with_its_service(db):
    term = make_term("Managed Kubernetes")
    ProviderEquivalent.objects.create(
        term=term,
        provider=Provider.objects.get(slug="aws"),
        service="Amazon Elastic Kubernetes Service",
        note="EKS",
    )
    assert found("EKS") == {"Managed Kubernetes"}


def test_a_typo_that_finds_nothing_shows_the_corrected_results(db):
    make_term("Photon Relay", definition="Moves photon pulses between nodes. It is quick.")
    results = search.search_terms("photn")
    assert results.correction == "photon"
    assert found("photn") == {"Photon Relay"}
    assert "<mark>photon</mark>" in results.page(1).object_list[0].snippet


def test_a_query_that_finds_something_is_not_corrected(db):
    make_term("Photon Relay")
    make_term("Photn Lab")
    results = search.search_terms("photn")
    assert results.correction is None
    assert found("photn") == {"Photn Lab"}


def test_a_corrected_search_is_served_from_the_cache(committed):
    first_results = search.search_terms("nimbsu")
    with CaptureQueriesContext(connection) as captured:
        again = search.search_terms("nimbsu")

    assert only_the_change_count(captured)
    assert (again.correction, again.ids) == ("nimbus", first_results.ids)
    assert again.cache_key == first_results.cache_key is not None


def test_a_cached_correction_keeps_its_highlighting(committed):
    first_results = search.search_terms("nimbsu")
    again = search.search_terms("nimbsu")
    assert (first_results.correction, again.correction) == ("nimbus", "nimbus")
    assert "<mark>" in again.page(1).object_list[0].snippet


@pytest.fixture
def crowded(db, monkeypatch):
    """Seven terms match "quasar", two of them in storage; a search lists its best three."""
    monkeypatch.setattr(bounds, "MAX_RESULTS", 3)
    monkeypatch.setattr(bounds, "COUNT_LIMIT", 3)
    monkeypatch.setattr(bounds, "RANK_LIMIT", 3)
    for i in range(5):
        make_term(f"Quasar Model {i}", definition=f"Quasar model {i} for quasar data.")
    for i in range(2):
        make_term(f"Store {i}", category="storage", definition=f"Keeps quasar logs, {i}.")


def test_api_search_narrowed_by_a_filter_lists_every_match_in_it(crowded, client):
    response = client.get("/api/v1/terms/", {"search": "quasar", "category": "storage"})
    assert response.status_code == 200
    assert sorted(term["name"] for term in response.json()["results"]) == ["Store 0", "Store 1"]
    assert response.json()["count_capped"] is False


def test_api_search_says_when_its_count_is_capped(crowded, client):
    response = client.get("/api/v1/terms/", {"search": "quasar"})
    assert response.status_code == 200
    assert (response.json()["count"], response.json()["count_capped"]) == (3, True)
    assert client.get("/api/v1/terms/").json()["count_capped"] is False
