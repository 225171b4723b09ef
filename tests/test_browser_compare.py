"""The comparison pages in a real Chromium: phone and desktop layouts, the in-page filter,
and the accessibility scan, against the sample glossary on a live server."""

import datetime
import os

import pytest

from tests.test_browser import AXE, SCREENSHOTS, axe_page, browser, open_page, page, site

__all__ = ["axe_page", "browser", "page", "site"]  # fixtures, used by name

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SERVICE = "/compare/aws/amazon-s3/"


@pytest.fixture
def phone(browser):
    context, page = open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("path", ["/compare/", "/compare/?q=S3", SERVICE])
def test_on_a_phone_the_compare_pages_are_no_wider_than_the_screen(phone, site, path):
    phone.goto(site + path)
    assert page_width(phone) <= PHONE["width"]
    assert phone.errors == []


def test_on_a_phone_each_term_is_a_card_of_provider_lines(phone, site):
    phone.goto(site + "/compare/")
    card = phone.locator("#term-object-storage")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    lines = [
        line.split("\n")[0]
        for line in card.locator("td").all_inner_texts()
        if line.strip()  # first line: the provider's label
    ]
    assert lines == ["AWS", "Azure", "GCP", "OCI"]
    assert card.locator("td").first.inner_text().split("\n")[1].strip() == "Amazon S3"


def test_the_header_row_stays_visible_while_the_matrix_scrolls(page, site):
    page.goto(site + "/compare/")
    scroller = page.locator(".matrix-scroll")
    header = page.locator(".matrix thead th").first
    scroller.evaluate("box => box.scrollTo(0, 2000)")
    page.wait_for_function("document.querySelector('.matrix-scroll').scrollTop > 1000")
    box = scroller.bounding_box()
    after = header.bounding_box()
    assert after["y"] == pytest.approx(box["y"], abs=2)  # held at the box's top edge
    # The header is what is drawn at its place, not a row scrolled under it.
    topmost = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('thead') !== null",
        [after["x"] + 5, after["y"] + after["height"] / 2],
    )
    assert topmost


def test_typing_a_service_puts_its_row_first_with_the_match_marked(page, site):
    page.goto(site + "/compare/")
    page.fill("#id_q", "Amazon S3")
    first = page.locator("tr.term-row:visible").first
    assert first.get_attribute("id") == "term-object-storage"
    assert first.locator("mark").first.inner_text() == "Amazon S3"
    answer = page.locator("#compare-answer a").all_inner_texts()
    assert answer == ["Amazon S3", "Azure Blob Storage", "Cloud Storage", "OCI Object Storage"]
    assert page.url.endswith("/compare/?q=Amazon+S3")
    assert page.errors == []


@pytest.mark.parametrize("typed", ["EKS", "gke", "OKE", "k8s", "Azure Kubernetes Service"])
def test_typing_an_abbreviation_or_a_service_finds_its_term_first(page, site, typed):
    page.goto(site + "/compare/")
    page.fill("#id_q", typed)
    assert page.locator("tr.term-row:visible").first.get_attribute("id") == "term-kubernetes"


def test_clearing_the_filter_brings_back_every_row_in_its_category(page, site):
    page.goto(site + "/compare/")
    total = page.locator("tr.term-row").count()
    page.fill("#id_q", "AKS")
    assert page.locator("tr.term-row:visible").count() == 1
    page.fill("#id_q", "")
    assert page.locator("tr.term-row:visible").count() == total
    assert page.locator("#compare-answer").inner_text() == ""
    heading = page.locator("tbody[data-group='storage'] .group-row")
    assert heading.is_visible()


@pytest.mark.parametrize("viewport", [None, PHONE])
def test_a_filtered_page_finds_the_next_service_typed(browser, site, viewport):
    context, page = open_page(browser, **({"viewport": viewport} if viewport else {}))
    page.goto(site + "/compare/?q=Amazon+S3")
    page.fill("#id_q", "AKS")
    shown = page.locator("tr.term-row:visible")
    assert shown.count() == 1
    assert shown.first.get_attribute("id") == "term-kubernetes"
    page.fill("#id_q", "")
    assert shown.count() == page.locator("tr.term-row").count()
    assert page.locator("tbody[data-group='storage'] #term-object-storage").is_visible()
    assert page.errors == []
    context.close()


def test_the_filter_works_without_javascript(browser, site):
    context, page = open_page(browser, java_script_enabled=False)
    page.goto(site + "/compare/")
    page.fill("#id_q", "Azure Blob Storage")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/compare/?*q=Azure+Blob+Storage*")
    shown = page.locator("tr.term-row:visible")
    assert shown.first.get_attribute("id") == "term-object-storage"
    assert shown.count() < page.locator("tr.term-row").count()  # the rest sent hidden
    answer = page.locator("#compare-answer a").all_inner_texts()
    assert answer == ["Azure Blob Storage", "Amazon S3", "Cloud Storage", "OCI Object Storage"]
    context.close()


def test_focusing_a_service_shows_when_its_mapping_was_verified(page, site):
    from terms.models import ProviderEquivalent

    ProviderEquivalent.objects.filter(service="Amazon S3", note="").update(
        verified_on=datetime.date(2026, 11, 2), url="https://docs.aws.amazon.com/s3/"
    )
    page.goto(site + "/compare/?q=Amazon+S3")
    cell = page.locator("#term-object-storage td").first
    verified = cell.locator(".verified")
    assert verified.is_hidden()
    cell.get_by_role("link", name="Amazon S3", exact=True).focus()
    assert verified.is_visible()
    assert verified.inner_text() == "Verified on 2 Nov 2026"
    assert cell.get_by_role("link", name="Amazon S3 docs").get_attribute("href") == (
        "https://docs.aws.amazon.com/s3/"
    )


def test_a_matrix_cell_leads_to_the_service_page(page, site):
    page.goto(site + "/compare/?q=Cloud+Storage")
    page.locator("#term-object-storage").get_by_role("link", name="Cloud Storage").click()
    page.wait_for_url("**/compare/gcp/cloud-storage/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "What is Cloud Storage called on other clouds?"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [SERVICE, "/compare/?q=Amazon+S3"])
def test_compare_pages_have_no_serious_accessibility_violations(axe_page, site, path, scheme):
    page = axe_page
    page.emulate_media(color_scheme=scheme)
    page.goto(site + path)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []
    assert page.errors == []


@pytest.mark.parametrize(
    ("path", "name", "viewport"),
    [("/compare/", "compare-phone", PHONE), (SERVICE, "compare-service", None)],
)
def test_compare_screenshots(browser, site, path, name, viewport, tmp_path):
    # UPDATE_SCREENSHOTS=1 refreshes docs/screenshots; otherwise they go to a temp folder.
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    options = {"viewport": viewport} if viewport else {}
    context, page = open_page(browser, **options)
    page.goto(site + path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    # The phone's first screen: its whole page is a hundred cards long.
    page.screenshot(path=str(target), full_page=viewport is None)
    context.close()
    assert target.stat().st_size > 10_000
