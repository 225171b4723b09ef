"""The comparison pages: the matrix's filter and layout, and a service's own page."""

import datetime
import re

import pytest
from django.urls import reverse

from terms.models import Provider, ProviderEquivalent, Term
from terms.writing import replace_term
from tests.conftest import make_term

pytestmark = pytest.mark.django_db


def add(term, provider, service, **fields):
    return ProviderEquivalent.objects.create(
        term=term, provider=Provider.objects.get(slug=provider), service=service, **fields
    )


@pytest.fixture
def clouds(db):
    """Object Storage on every cloud, a Data Lake that uses Amazon S3 with a note, and
    Kubernetes whose AWS service was renamed and whose abbreviations live in notes."""
    storage = make_term("Object Storage", category="storage", aliases=["Blob storage", "S3"])
    add(
        storage,
        "aws",
        "Amazon S3",
        url="https://docs.aws.example/s3/",
        verified_on=datetime.date(2026, 11, 2),
    )
    add(storage, "azure", "Azure Blob Storage")
    add(storage, "gcp", "Cloud Storage")
    add(storage, "oci", "OCI Object Storage")
    lake = make_term("Data Lake", category="storage")
    add(lake, "aws", "Amazon S3", note="with AWS Lake Formation")
    add(lake, "azure", "Azure Data Lake Storage")
    kubernetes = make_term("Kubernetes", category="compute", aliases=["K8s"])
    add(
        kubernetes,
        "aws",
        "Amazon Elastic Kubernetes Service",
        note="EKS",
        former_names=["Amazon Container Kubernetes"],
    )
    add(kubernetes, "azure", "Azure Kubernetes Service", note="AKS")
    return {"storage": storage, "lake": lake, "kubernetes": kubernetes}


def compare(client, **params):
    return client.get(reverse("terms:compare"), params).content.decode()


def row_ids(page):
    """The rows a filtered matrix shows, in order (the others are sent hidden)."""
    shown = re.search(r'<tbody class="matches">.*?</tbody>', page, re.S).group(0)
    return re.findall(r'<tr class="term-row" id="term-([^"]+)"', shown)


def service_url(provider, service):
    return reverse("terms:compare-service", kwargs={"provider": provider, "service": service})


# The matrix's filter


def test_typing_a_service_puts_the_term_it_is_home_to_first(client, clouds):
    assert row_ids(compare(client, q="Amazon S3")) == ["object-storage", "data-lake"]


def test_the_filter_answers_with_the_services_counterparts(client, clouds):
    page = compare(client, q="amazon s3")
    answer = re.search(r'<p class="compare-answer".*?</p>', page, re.S).group(0)
    names = re.findall(r'<a href="[^"]+">(.*?)</a>', answer)
    assert names == [
        "<mark>Amazon S3</mark>",
        "Azure Blob Storage",
        "Cloud Storage",
        "OCI Object Storage",
    ]


def test_the_filter_marks_what_matched(client, clouds):
    assert ">Amazon <mark>S3</mark></a>" in compare(client, q="S3")


def test_the_filter_finds_a_service_by_a_word_of_its_note(client, clouds):
    assert row_ids(compare(client, q="AKS")) == ["kubernetes"]


def test_a_note_that_starts_with_the_abbreviation_ranks_before_notes_using_it(client, clouds):
    oke = make_term("Managed Kubernetes", category="compute")
    add(oke, "oci", "OCI Kubernetes Engine", note="OKE; formerly Container Engine")
    add(make_term("Blue-Green", category="devops"), "oci", "OCI DevOps", note="for OKE and VMs")
    add(make_term("Broker", category="devops"), "oci", "OCI Queue", note="invoked by a spoke")
    assert row_ids(compare(client, q="OKE")) == ["managed-kubernetes", "blue-green", "broker"]


def test_a_regular_expression_character_in_the_query_is_taken_literally(client, clouds):
    add(make_term("Odd", category="devops"), "aws", "Amazon Q+ (preview)", note="Q+ chat")
    assert row_ids(compare(client, q="Q+")) == ["odd"]
    assert row_ids(compare(client, q="(preview")) == ["odd"]


def test_a_note_that_is_the_abbreviation_ranks_before_notes_that_mention_it(client, clouds):
    add(make_term("Argo Deployments", category="devops"), "azure", "Azure Pipelines", note="to AKS")
    assert row_ids(compare(client, q="AKS")) == ["kubernetes", "argo-deployments"]


def test_the_filter_finds_a_service_by_its_former_name(client, clouds):
    assert row_ids(compare(client, q="Container Kubernetes")) == ["kubernetes"]


def test_the_filter_sends_the_other_rows_hidden_for_the_next_query(client, clouds):
    page = compare(client, q="AKS")
    hidden = re.findall(r'<tbody data-group="([^"]+)" hidden>', page)
    assert hidden == ["compute", "storage"]
    assert 'id="term-object-storage"' in page


def test_the_filter_finds_a_term_by_its_alias(client, clouds):
    assert row_ids(compare(client, q="k8s")) == ["kubernetes"]


def test_the_filter_escapes_what_it_marks(client, clouds):
    make_term("<b>Odd</b> Term")
    add(Term.objects.get(name="<b>Odd</b> Term"), "aws", "Odd <Service>")
    page = compare(client, q="<Service>")
    assert "Odd <mark>&lt;Service&gt;</mark>" in page
    assert "<Service>" not in page


def test_the_unfiltered_matrix_groups_rows_under_their_category(client, clouds):
    page = compare(client)
    headings = re.findall(r'<th scope="rowgroup"[^>]*><a href="[^"]+">([^<]+)</a>', page)
    assert headings == ["Compute", "Storage"]
    assert page.index("Compute</a>") < page.index('id="term-kubernetes"')
    assert page.index("Storage</a>") < page.index('id="term-data-lake"')


def test_each_cell_links_to_the_service_page_and_to_its_documentation(client, clouds):
    page = compare(client)
    assert f'class="service-link" href="{service_url("aws", "amazon-s3")}"' in page
    assert 'href="https://docs.aws.example/s3/" rel="noopener noreferrer"' in page


def test_a_verified_date_is_in_the_links_title_and_its_focus_text(client, clouds):
    page = compare(client)
    assert 'title="Verified on 2 Nov 2026"' in page
    assert '<time datetime="2026-11-02">2 Nov 2026</time>' in page


def test_the_term_cell_links_to_the_term(client, clouds):
    assert '<th scope="row"><a href="/terms/kubernetes/"' in compare(client)


def test_the_matrix_loads_its_filter_script(client, clouds):
    assert "js/compare.js" in compare(client)


def test_a_filtered_matrix_runs_a_constant_number_of_queries(
    client, clouds, django_assert_max_num_queries
):
    for i in range(20):
        add(make_term(f"Extra {i}", category="storage"), "aws", f"Amazon Extra {i}")
    # Providers, the category list, the matches' ids, and every row (terms, services).
    with django_assert_max_num_queries(5):
        assert client.get(reverse("terms:compare"), {"q": "amazon"}).status_code == 200


# A service's page


def test_a_service_page_names_the_service_on_every_other_cloud(client, clouds):
    page = client.get(service_url("aws", "amazon-s3")).content.decode()
    assert "<h1>What is Amazon S3 called on other clouds?</h1>" in page
    for other in ("Azure Blob Storage", "Cloud Storage", "OCI Object Storage"):
        assert other in page


def test_a_service_page_lists_the_term_it_is_home_to_first(client, clouds):
    page = client.get(service_url("aws", "amazon-s3")).content.decode()
    assert page.index('id="term-object-storage"') < page.index('id="term-data-lake"')


def test_a_service_page_has_its_own_title_description_and_canonical_url(client, clouds):
    page = client.get(service_url("aws", "amazon-s3")).content.decode()
    assert "<title>Amazon S3 (AWS) on other clouds · Glossary</title>" in page
    assert (
        '<meta name="description" content="On Amazon Web Services, Amazon S3 is the service '
        "for Object Storage. Other clouds call it Azure Blob Storage on Azure; Cloud Storage "
        'on GCP; OCI Object Storage on OCI.">'
    ) in page
    assert '<link rel="canonical" href="http://testserver/compare/aws/amazon-s3/">' in page


def test_a_service_page_shows_the_services_note_for_each_term(client, clouds):
    page = client.get(service_url("aws", "amazon-s3")).content.decode()
    assert '<span class="note">(with AWS Lake Formation)</span>' in page


def test_a_service_page_shows_docs_links_and_verified_dates(client, clouds):
    page = client.get(service_url("azure", "azure-blob-storage")).content.decode()
    assert 'href="https://docs.aws.example/s3/"' in page
    assert '<time datetime="2026-11-02">2 Nov 2026</time>' in page
    assert f'href="{service_url("gcp", "cloud-storage")}"' in page


def test_a_service_page_says_where_a_cloud_lists_no_equivalent(client, clouds):
    page = client.get(service_url("aws", "amazon-elastic-kubernetes-service")).content.decode()
    assert "No equivalent listed" in page  # GCP and OCI


def test_a_service_page_links_to_each_term(client, clouds):
    page = client.get(service_url("aws", "amazon-s3")).content.decode()
    assert 'href="/terms/data-lake/"' in page


def test_a_variant_of_a_service_slug_redirects_permanently(client, clouds):
    response = client.get("/compare/AWS/Amazon-S3/")
    assert response.status_code == 301
    assert response["Location"] == service_url("aws", "amazon-s3")


def test_a_former_service_name_redirects_to_the_service_it_became(client, clouds):
    response = client.get(service_url("aws", "amazon-container-kubernetes"))
    assert response.status_code == 301
    assert response["Location"] == service_url("aws", "amazon-elastic-kubernetes-service")


@pytest.mark.parametrize(
    "path", ["/compare/aws/amazon-nothing/", "/compare/ibm/amazon-s3/", "/compare/gcp/amazon-s3/"]
)
def test_an_unknown_service_or_provider_is_a_404(client, clouds, path):
    assert client.get(path).status_code == 404


def test_a_service_page_runs_a_constant_number_of_queries(
    client, clouds, django_assert_max_num_queries
):
    for i in range(20):
        term = make_term(f"Bucket use {i}", category="storage")
        add(term, "aws", "Amazon S3", note=f"use {i}")
        add(term, "gcp", f"Cloud thing {i}")
    with django_assert_max_num_queries(3):
        assert client.get(service_url("aws", "amazon-s3")).status_code == 200


def test_every_service_page_is_in_the_sitemap_with_lastmod(client, clouds):
    page = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/compare/aws/amazon-s3/</loc><lastmod>" in page
    assert page.count("/compare/aws/amazon-s3/") == 1  # one page for the two terms


# The service slug


def test_the_service_slug_follows_the_service_name_on_every_write_path(clouds):
    kubernetes = clouds["kubernetes"]
    aws = Provider.objects.get(slug="aws")
    replace_term(kubernetes, {}, equivalents=[{"provider": aws, "service": "Amazon EKS Auto"}])
    assert list(kubernetes.provider_equivalents.values_list("service_slug", flat=True)) == [
        "amazon-eks-auto"
    ]


def test_a_service_name_in_another_script_keeps_its_letters_in_the_slug(clouds):
    equivalent = add(clouds["storage"], "gcp", "Cloud Speicher für Objekte")
    assert equivalent.service_slug == "cloud-speicher-für-objekte"


def test_the_filter_leaves_the_sites_search_box_empty(client, clouds):
    assert 'id="site-search" name="q" value=""' in compare(client, q="S3")
