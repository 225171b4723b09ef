import json
import re

import pytest
from django.urls import reverse

from terms.models import Category, Provider, ProviderEquivalent, Term
from tests.conftest import age_content, make_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def glossary(db):
    """Enough terms, children and links that an N+1 would show in the query counts."""
    terms = [
        make_term(f"{letter}term {i}", category=category, children=3)
        for i, category in enumerate(["ai-ml", "storage", "compute"])
        for letter in "ABCDEFGHIJ"
    ]
    for term, other in zip(terms, terms[1:], strict=False):
        term.related_terms.add(other)
        term.see_also.add(other)
    return terms


@pytest.fixture
def storage(db):
    """Object Storage with one service per provider and a term that mentions it."""
    term = make_term(
        "Object Storage",
        category="storage",
        definition="Object storage keeps blobs in buckets. It scales.",
        aliases=["Blob storage"],
    )
    for provider, service in zip(
        Provider.objects.all(),
        ["Amazon S3", "Azure Blob Storage", "Cloud Storage", "OCI OS"],
        strict=True,
    ):
        ProviderEquivalent.objects.create(
            term=term, provider=provider, service=service, url="https://docs.example/"
        )
    make_term("Data Lake", category="storage", definition="A data lake sits on object storage.")
    return term


def get(client, name, *args, **params):
    return client.get(reverse(f"terms:{name}", args=args), params)


def text(response):
    return response.content.decode()


# Home


def test_home_lists_categories_with_term_counts(client, storage):
    assert re.search(r"Storage</span> <span class=\"count\">2 terms", text(get(client, "home")))


def test_home_lists_recently_updated_terms(client, storage):
    assert "Data Lake" in text(get(client, "home"))


def test_home_starts_newcomers_with_beginner_terms_by_category(client, storage):
    make_term("Snapshot Lifecycle", category="storage", difficulty="advanced")
    start = start_here(get(client, "home"))
    assert 'href="/categories/storage/">Storage</a>' in start
    assert "Object Storage" in start
    assert "Snapshot Lifecycle" not in start


def test_home_recently_updated_leaves_out_the_untouched_first_import(client, sample):
    from terms import writing

    writing.replace_term(Term.objects.get(slug="kubernetes"), {"aliases": ["K8s"]})
    page = text(get(client, "home"))
    recent = page[page.index('id="recent-heading"') : page.index('id="az-heading"')]
    assert re.findall(r'class="term-link"[^>]*>([^<]+)<', recent) == ["Kubernetes"]


def test_home_says_when_nothing_changed_since_the_first_load(client, sample):
    page = text(get(client, "home"))
    assert "No term has been added or changed since the glossary was first loaded." in page
    assert 'href="/feed/">Follow new and changed terms' in page


def test_home_az_strip_links_letters_that_have_terms(client, storage):
    assert 'href="/terms/#letter-D"' in text(get(client, "home"))


def test_home_az_strip_disables_letters_without_terms(client, storage):
    assert '<span aria-disabled="true">Z</span>' in text(get(client, "home"))


def test_home_keeps_its_start_here_path_until_the_content_changes(
    client, transactional_db, django_assert_max_num_queries
):
    from terms import writing

    term = make_term("Object Storage", category="storage")
    assert "Object Storage" in start_here(get(client, "home"))
    with django_assert_max_num_queries(4):  # the generation, categories, recent, A–Z
        assert "Object Storage" in start_here(get(client, "home"))
    writing.replace_term(term, {"difficulty": "advanced"})
    assert "Object Storage" not in start_here(get(client, "home"))


def start_here(response):
    """The home page's start-here section, or "" when it has none."""
    page = text(response)
    start = page.find('id="start-heading"')
    return page[start : page.index('id="categories-heading"')] if start >= 0 else ""


def test_home_runs_a_constant_number_of_queries(client, glossary, django_assert_max_num_queries):
    # On a live site, one more reads the content generation (see the test above).
    with django_assert_max_num_queries(4):
        response = get(client, "home")
    assert response.status_code == 200


# A–Z index


def test_term_list_groups_terms_by_first_letter(client, storage):
    page = text(get(client, "term-list"))
    assert page.index('id="letter-D"') < page.index("Data Lake") < page.index('id="letter-O"')


def test_term_list_filters_by_category(client, storage):
    make_term("Kubernetes", category="compute")
    page = text(get(client, "term-list", category="compute"))
    assert "Kubernetes" in page
    assert "Data Lake" not in page


def test_term_list_filters_by_difficulty(client, storage):
    make_term("Hard Thing", difficulty="advanced")
    page = text(get(client, "term-list", difficulty="advanced"))
    assert "Hard Thing" in page
    assert "Data Lake" not in page


def test_term_list_filters_by_provider(client, storage):
    page = text(get(client, "term-list", provider="azure"))
    assert "Object Storage" in page
    assert "Data Lake" not in page


def test_term_list_combines_filters(client, storage):
    make_term("Kubernetes", category="compute")
    ec2 = make_term("Virtual Machine", category="compute")
    ProviderEquivalent.objects.create(
        term=ec2, provider=Provider.objects.get(slug="aws"), service="EC2"
    )
    page = text(get(client, "term-list", provider="aws", category="compute"))
    assert "1 term match these filters" in page
    assert "Virtual Machine" in page


def test_term_list_keeps_filters_in_the_form(client, storage):
    page = text(get(client, "term-list", category="storage"))
    assert '<option value="storage" selected>' in page


def test_term_list_reports_an_unknown_filter_value(client, storage):
    response = get(client, "term-list", category="no-such-category")
    assert 'class="error"' in text(response)


def test_term_list_applies_the_valid_filters_beside_a_bad_one(client, storage):
    make_term("Hard Thing", category="storage", difficulty="advanced")
    page = text(get(client, "term-list", category="no-such-category", difficulty="advanced"))
    assert "Hard Thing" in page
    assert "Data Lake" not in page


def test_term_list_sorts_names_ignoring_case(client, db):
    for name in ["beta", "Alpha", "Gamma"]:
        make_term(name)
    page = text(get(client, "term-list"))
    assert page.index(">Alpha</a>") < page.index(">beta</a>") < page.index(">Gamma</a>")


def test_term_list_paginates_a_long_list(client, glossary, settings):
    make_term("Zzz last")
    page_two = text(get(client, "term-list", page=2)) if len(glossary) > 100 else None
    response = get(client, "term-list")
    assert response.context["paginator"].per_page == 100
    assert page_two is None or "Zzz last" in page_two


def test_term_list_az_bar_points_to_the_page_where_a_letter_starts(client, db, monkeypatch):
    from terms.views import TermListView

    monkeypatch.setattr(TermListView, "paginate_by", 2)
    for name in ["Apple", "Avocado", "Banana"]:
        make_term(name)
    assert 'href="?page=2#letter-B"' in text(get(client, "term-list"))


def test_term_list_az_bar_keeps_the_filters(client, storage):
    page = text(get(client, "term-list", category="storage"))
    assert 'href="?category=storage#letter-D"' in page


def test_term_list_page_links_keep_the_filters(client, db, monkeypatch):
    from terms.views import TermListView

    monkeypatch.setattr(TermListView, "paginate_by", 1)
    for name in ["Apple", "Avocado"]:
        make_term(name, category="storage")
    page = text(get(client, "term-list", category="storage"))
    assert 'href="?category=storage&amp;page=2">Next' in page


def test_term_list_runs_a_constant_number_of_queries(
    client, glossary, django_assert_max_num_queries
):
    # Filter choices and their validation (4), count, page, A–Z counts.
    with django_assert_max_num_queries(7):
        response = get(client, "term-list", provider="aws", category="ai-ml")
    assert response.status_code == 200


# Term page


def test_term_page_shows_the_rendered_definition(client, storage):
    assert "<p>Object storage keeps blobs in buckets. It scales.</p>" in text(
        get(client, "term-detail", "object-storage")
    )


def test_term_page_shows_aliases_and_badges(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert '<span class="alias">Blob storage</span>' in page
    assert 'href="/categories/storage/">Storage</a>' in page
    assert "badge-beginner" in page


def test_term_page_shows_use_cases_as_cards(client, term):
    page = text(get(client, "term-detail", term.slug))
    assert page.count('<li class="card">') == 3
    assert "<h3>Title 0</h3>" in page


def test_term_page_lists_providers_in_fixed_order(client, storage):
    other = Provider.objects.create(name="Alibaba Cloud", short_name="Alibaba", slug="alibaba")
    ProviderEquivalent.objects.create(term=storage, provider=other, service="OSS")
    page = text(get(client, "term-detail", "object-storage"))
    order = [page.index(f">{name}</a></th>") for name in ["AWS", "Azure", "GCP", "OCI", "Alibaba"]]
    assert order == sorted(order)


def test_term_page_links_provider_docs(client, storage):
    assert 'href="https://docs.example/"' in text(get(client, "term-detail", "object-storage"))


def test_term_page_hides_the_docs_column_when_no_equivalent_has_a_url(client, storage):
    ProviderEquivalent.objects.update(url="")
    page = text(get(client, "term-detail", "object-storage"))
    assert '<th scope="col">Note</th></tr>' in page
    assert ">Docs</th>" not in page


def test_term_page_shows_the_docs_column_when_one_equivalent_has_a_url(client, storage):
    ProviderEquivalent.objects.exclude(service="Amazon S3").update(url="")
    assert '<th scope="col">Docs</th>' in text(get(client, "term-detail", "object-storage"))


def test_term_page_names_each_providers_service_before_the_definition(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    strip = page.index('class="equivalents-strip"')
    assert strip < page.index('class="definition"')
    assert "<dt>AWS</dt><dd>Amazon S3</dd>" in page[strip:]
    assert 'href="#providers"' in page[strip:]


def test_term_page_without_equivalents_has_no_strip(client, term):
    ProviderEquivalent.objects.all().delete()
    assert "equivalents-strip" not in text(get(client, "term-detail", term.slug))


def test_term_page_shows_faqs_as_details(client, term):
    page = text(get(client, "term-detail", term.slug))
    assert '<details class="faq">\n      <summary>Question 0?</summary>' in page


def test_term_page_links_related_and_see_also_terms(client, db):
    a, b, c = make_term("Alpha"), make_term("Beta"), make_term("Gamma")
    a.related_terms.add(b)
    a.see_also.add(c)
    page = text(get(client, "term-detail", "alpha"))
    assert 'href="/terms/beta/"' in page
    assert 'href="/terms/gamma/"' in page


def test_term_page_lists_terms_that_mention_it(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert re.search(r"Mentioned in</h2>\s*<ul><li><a href=\"/terms/data-lake/\"", page)


def test_term_page_lists_terms_that_name_it_as_see_also(client, db):
    a, b = make_term("Alpha"), make_term("Beta")
    a.see_also.add(b)
    assert re.search(r"Mentioned in</h2>\s*<ul><li><a href=\"/terms/alpha/\"", text(
        get(client, "term-detail", "beta")
    ))  # fmt: skip


def test_term_links_carry_the_summary_for_previews(client, storage):
    page = text(get(client, "term-detail", "data-lake"))
    assert 'data-summary="Object storage keeps blobs in buckets."' in page


def test_term_links_escape_the_name_and_summary(client, db):
    odd = make_term("R&D <Lab>", slug="rd-lab", definition='Says "hi" & <waves. Twice.')
    make_term("Plain").related_terms.add(odd)
    page = text(get(client, "term-detail", "plain"))
    assert (
        '<a href="/terms/rd-lab/" class="term-link" data-summary="Says &quot;hi&quot; &amp; '
        '&lt;waves.">R&amp;D &lt;Lab&gt;</a>'
    ) in page


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("terms:home", None),
        ("terms:term-detail", "object-storage"),
        ("terms:provider-detail", "aws"),
    ],
)
def test_page_url_gives_what_reverse_gives(name, slug):
    from terms.templatetags.glossary import page_url

    assert page_url(name, slug) == reverse(name, kwargs={"slug": slug} if slug else None)


def test_static_url_gives_what_static_gives():
    from django.templatetags.static import static

    from terms.templatetags.glossary import static_url

    assert static_url("css/site.css") == static("css/site.css")


def test_term_page_links_previous_and_next_terms_alphabetically(client, db):
    for name in ["alpha", "Beta", "gamma"]:
        make_term(name)
    page = text(get(client, "term-detail", "beta"))
    assert re.search(r'<a href="/terms/alpha/" class="term-link" [^>]*rel="prev">← alpha</a>', page)
    assert re.search(r'<a href="/terms/gamma/" class="term-link" [^>]*rel="next">gamma →</a>', page)


def test_term_page_has_breadcrumbs(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in page


def test_term_page_shows_last_updated(client, storage):
    assert "Last updated <time" in text(get(client, "term-detail", "object-storage"))


def test_term_page_title_and_meta_description(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert "<title>Object Storage · Glossary</title>" in page
    assert '<meta name="description" content="Object storage keeps blobs in buckets.">' in page


def test_term_page_has_canonical_and_opengraph(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert '<link rel="canonical" href="http://testserver/terms/object-storage/">' in page
    assert '<meta property="og:title" content="Object Storage">' in page


def structured_data(page):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page)
    return json.loads(match.group(1))


def test_term_page_carries_defined_term_json_ld(client, storage):
    data = structured_data(text(get(client, "term-detail", "object-storage")))
    assert data[0]["@type"] == "DefinedTerm"
    assert data[0]["inDefinedTermSet"]["@type"] == "DefinedTermSet"


def test_term_page_carries_faq_json_ld_when_it_has_faqs(client, term):
    data = structured_data(text(get(client, "term-detail", term.slug)))
    assert data[1]["mainEntity"][0]["acceptedAnswer"]["text"] == "Answer 0."


def test_term_page_has_no_faq_json_ld_without_faqs(client, storage):
    assert len(structured_data(text(get(client, "term-detail", "object-storage")))) == 1


def test_json_ld_cannot_close_its_script_element(client, db):
    make_term("Sneaky", definition="Ends with </script><script>alert(1)</script>.")
    page = text(get(client, "term-detail", "sneaky"))
    assert "</script><script>alert(1)" not in page


def test_term_page_sets_last_modified_from_the_newest_change(client, storage):
    age_content()
    response = get(client, "term-detail", "object-storage")
    assert response["Last-Modified"]


def test_term_page_is_modified_when_another_term_changes(client, storage):
    # Neighbours, backlinks and link texts come from other terms: their changes count.
    age_content(seconds=10)
    last_modified = get(client, "term-detail", "object-storage")["Last-Modified"]
    make_term("Block Storage")
    age_content(seconds=2)
    response = client.get("/terms/object-storage/", headers={"if-modified-since": last_modified})
    assert response.status_code == 200
    assert response["Last-Modified"] != last_modified


def test_term_page_answers_304_to_a_matching_etag(client, storage):
    etag = get(client, "term-detail", "object-storage")["ETag"]
    response = client.get("/terms/object-storage/", headers={"if-none-match": etag})
    assert response.status_code == 304


def test_term_page_answers_304_when_not_modified_since(client, storage):
    age_content()
    last_modified = get(client, "term-detail", "object-storage")["Last-Modified"]
    response = client.get("/terms/object-storage/", headers={"if-modified-since": last_modified})
    assert response.status_code == 304


def test_unknown_term_is_a_404(client, db):
    assert get(client, "term-detail", "no-such-term").status_code == 404


def test_term_page_runs_a_constant_number_of_queries(
    client, glossary, django_assert_max_num_queries
):
    term = glossary[5]
    for other in glossary[10:20]:
        other.see_also.add(term)
        other.mentions.add(term)
    # The term, its use cases, equivalents and FAQs, every term it links to or from, and the
    # newest change readers see (Last-Modified).
    with django_assert_max_num_queries(6):
        response = get(client, "term-detail", term.slug)
    assert response.status_code == 200


# Anonymous pages are cacheable


@pytest.mark.parametrize(
    "url",
    ["/", "/terms/", "/terms/object-storage/", "/compare/", "/search/?q=blob", "/categories/"],
)
def test_anonymous_pages_set_no_cookie_and_do_not_vary_on_it(client, storage, url):
    response = client.get(url)
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_pages_carry_a_content_security_policy(client, storage):
    policy = get(client, "term-detail", "object-storage")["Content-Security-Policy"]
    assert "script-src 'self'" in policy


def test_term_page_is_byte_identical_across_requests_so_etags_match(client, storage):
    first, second = (get(client, "term-detail", "object-storage") for _ in range(2))
    assert first["ETag"] == second["ETag"]


def test_pages_have_no_inline_style(client, storage):
    page = text(get(client, "term-detail", "object-storage"))
    assert "style=" not in page
    assert "<style" not in page


# Categories and providers


def test_category_list_shows_counts(client, storage):
    assert "2 terms" in text(get(client, "category-list"))


def test_category_page_lists_its_terms(client, storage):
    make_term("Kubernetes", category="compute")
    page = text(get(client, "category-detail", "storage"))
    assert "Data Lake" in page
    assert "Kubernetes" not in page


def test_unknown_category_is_a_404(client, db):
    assert get(client, "category-detail", "nope").status_code == 404


def test_category_pages_run_a_constant_number_of_queries(
    client, glossary, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        assert get(client, "category-list").status_code == 200
    with django_assert_max_num_queries(3):
        assert get(client, "category-detail", "ai-ml").status_code == 200


def test_provider_list_shows_each_provider(client, storage):
    page = text(get(client, "provider-list"))
    assert all(p.name in page for p in Provider.objects.all())


def test_provider_list_counts_a_service_once_whatever_its_case(client, db):
    aws = Provider.objects.get(slug="aws")
    for name, service in [("Object Storage", "Amazon S3"), ("Data Lake", "amazon s3")]:
        ProviderEquivalent.objects.create(term=make_term(name), provider=aws, service=service)
    assert "1 service for 2 terms" in text(get(client, "provider-list"))


def test_provider_page_lists_services_with_their_terms(client, storage):
    page = text(get(client, "provider-detail", "azure"))
    assert "Azure Blob Storage" in page
    assert 'href="/terms/object-storage/"' in page


def test_unknown_provider_is_a_404(client, db):
    assert get(client, "provider-detail", "nope").status_code == 404


def test_provider_pages_run_a_constant_number_of_queries(
    client, glossary, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        assert get(client, "provider-list").status_code == 200
    with django_assert_max_num_queries(2):
        assert get(client, "provider-detail", "aws").status_code == 200


# Compare


def test_compare_shows_each_providers_service_for_a_term(client, storage):
    page = text(get(client, "compare"))
    row = re.search(r'<tr class="term-row" id="term-object-storage".*?</tr>', page, re.S)
    cells = re.findall(r'class="service-link" href="[^"]+">([^<]+)</a>', row.group(0))
    assert cells == ["Amazon S3", "Azure Blob Storage", "Cloud Storage", "OCI OS"]


def test_compare_filters_by_category(client, storage, glossary):
    page = text(get(client, "compare", category="ai-ml"))
    assert "Aterm 0" in page
    assert "Object Storage" not in page


def test_compare_finds_a_term_by_service_name(client, storage, glossary):
    page = text(get(client, "compare", q="S3"))
    shown = re.search(r'<tbody class="matches">.*?</tbody>', page, re.S).group(0)
    assert "Object Storage" in shown
    assert "Aterm 0" not in shown


def test_compare_leaves_out_terms_without_services(client, storage):
    assert "Data Lake" not in text(get(client, "compare"))


def test_compare_ignores_an_unknown_category(client, storage):
    response = get(client, "compare", category="no-such-category")
    assert response.status_code == 200
    assert "Object Storage" in text(response)


def test_compare_runs_a_constant_number_of_queries(client, glossary, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = get(client, "compare", category="ai-ml")
    assert response.status_code == 200


# Search


def test_search_finds_terms_by_name(client, storage):
    assert "Object Storage" in text(get(client, "search", q="object"))


def test_search_finds_terms_by_alias(client, storage):
    assert "Object Storage" in text(get(client, "search", q="blob storage"))


def test_search_ranks_name_matches_before_definition_matches(client, storage):
    page = text(get(client, "search", q="object storage"))
    assert page.index("/terms/object-storage/") < page.index("/terms/data-lake/")


def test_search_says_when_nothing_matches(client, storage):
    assert "Nothing matches" in text(get(client, "search", q="zebra"))


def test_search_facets_are_a_closed_panel_after_the_count(client, storage):
    page = text(get(client, "search", q="storage"))
    assert page.index('class="result-count"') < page.index('<details class="facets"')
    assert '<details class="facets" data-open-from=' in page


def test_search_facet_panel_says_how_many_facets_are_selected(client, storage):
    page = text(get(client, "search", q="storage", category="storage"))
    assert "Narrow the results <span" in page
    assert "(1 selected)" in page


def test_search_page_has_the_header_search_box_filled_in(client, storage):
    assert 'id="site-search" name="q" value="blob"' in text(get(client, "search", q="blob"))


# 404 and 500


def test_404_offers_the_closest_term_names(client, storage):
    response = client.get("/terms/objct-storage/")
    assert response.status_code == 404
    assert 'href="/terms/object-storage/">Object Storage</a>' in text(response)


def test_404_offers_a_search(client, db):
    assert 'role="search"' in text(client.get("/no/such/page/"))


def test_500_page_leaks_nothing(client, db):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong" in page
    assert "Traceback" not in page


# Every page


def test_footer_api_link_goes_to_the_api_documentation(client, db):
    assert f'<a href="{reverse("api:docs")}">API</a>' in text(get(client, "home"))


# Sitemap, robots, feed


def test_sitemap_lists_every_term_with_lastmod(client, storage):
    page = text(client.get("/sitemap.xml"))
    assert "<loc>http://testserver/terms/object-storage/</loc><lastmod>" in page


def test_sitemap_lists_categories_and_providers(client, storage):
    page = text(client.get("/sitemap.xml"))
    assert "/categories/storage/" in page
    assert "/providers/aws/" in page


def test_sitemap_runs_a_constant_number_of_queries(client, glossary, django_assert_max_num_queries):
    # A count and a page for each of terms, categories, providers and services.
    with django_assert_max_num_queries(8):
        assert client.get("/sitemap.xml").status_code == 200


def test_robots_txt_points_to_the_sitemap(client, db):
    assert "Sitemap: http://testserver/sitemap.xml" in text(client.get("/robots.txt"))


def test_feed_is_atom_with_recent_terms(client, storage):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "<title>Data Lake</title>" in text(response)


def test_feed_runs_a_constant_number_of_queries(client, glossary, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/feed/").status_code == 200


def test_category_and_provider_urls_use_the_kept_names():
    assert Category(slug="x").get_absolute_url() == "/categories/x/"
    assert Provider(slug="x").get_absolute_url() == "/providers/x/"


def test_404_runs_a_constant_number_of_queries(client, glossary, django_assert_max_num_queries):
    # The failed term lookup, the old slugs, then search with "did you mean": never the
    # whole glossary.
    with django_assert_max_num_queries(8):
        assert client.get("/terms/no-such-term/").status_code == 404


def test_404_offers_names_found_by_search(client, storage):
    response = client.get("/terms/object/")
    assert 'href="/terms/object-storage/">Object Storage</a>' in text(response)
