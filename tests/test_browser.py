"""A reader's journey and an accessibility scan in a real Chromium, against a live server.

Playwright's sync API keeps an event loop running in the test thread, which makes Django
refuse ORM calls from it; the fixtures here only load data, so allowing it is safe.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
AXE = settings.BASE_DIR / ".venv" / "axe-core" / "axe.min.js"
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
SAMPLE = settings.BASE_DIR / "terms" / "sample_glossary"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def require(path, why):
    """Skip when a tool is missing on a developer's machine; fail in CI, where it must exist."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: {why}")
        pytest.skip(f"{path} is missing: {why}")


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, "install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server):
    """The sample glossary, committed so the live server's thread sees it."""
    # A transactional test's flush removes the providers a data migration created, and
    # serialized_rollback does not restore them once Playwright's event loop is running.
    initial_data = importlib.import_module("terms.migrations.0002_initial_data")
    initial_data.create(apps, schema_editor=None)
    call_command("import_glossary", str(SAMPLE), verbosity=0)
    return live_server.url


def open_page(browser, **options):
    """A fresh page that records console errors (CSP violations among them) and exceptions."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = open_page(browser)
    yield page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A page that lets axe-core be injected: the site's CSP rightly refuses inline scripts."""
    require(AXE, "run `make test` (or `make .venv/axe-core/axe.min.js`) to fetch axe-core")
    context, page = open_page(browser, bypass_csp=True)
    yield page
    context.close()


def test_reader_searches_reads_a_term_and_follows_links(page, site):
    page.goto(site + "/")
    page.fill("#site-search", "object storage")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=object+storage")
    page.get_by_role("link", name="Object Storage", exact=True).first.click()
    page.wait_for_url("**/terms/object-storage/")
    assert page.get_by_role("heading", level=1).inner_text() == "Object Storage"

    faq = page.locator("details.faq").first
    faq.locator("summary").click()
    assert faq.get_attribute("open") is not None
    assert faq.locator(".answer").is_visible()

    page.locator(".links").get_by_role("link", name="Data Lake").first.click()
    page.wait_for_url("**/terms/data-lake/")
    assert page.get_by_role("heading", level=1).inner_text() == "Data Lake"
    assert page.errors == []


def test_reader_uses_the_az_bar_and_a_filter(page, site):
    page.goto(site + "/terms/")
    page.locator(".alphabet").get_by_role("link", name="V", exact=True).click()
    page.wait_for_url("**/terms/#letter-V")
    assert page.locator("#letter-V").is_visible()

    page.select_option("#id_category", "storage")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/terms/?category=storage*")
    names = page.locator(".term-index .term-link").all_inner_texts()
    assert "Object Storage" in names
    assert "Kubernetes" not in names
    assert page.errors == []


def test_focusing_a_term_link_previews_its_summary(page, site):
    page.goto(site + "/terms/retrieval-augmented-generation-rag/")
    link = page.locator(".definition a.term-link").first
    link.focus()
    preview = page.locator("#term-preview")
    assert preview.is_visible()
    assert preview.inner_text() == link.get_attribute("data-summary")
    assert link.get_attribute("aria-describedby") == "term-preview"
    page.keyboard.press("Escape")
    assert preview.is_hidden()
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path", ["/", "/terms/", "/terms/object-storage/", "/compare/", "/search/?q=storage"]
)
def test_pages_have_no_serious_accessibility_violations(axe_page, site, path, scheme):
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
    ("path", "name"), [("/terms/object-storage/", "term"), ("/compare/", "compare")]
)
def test_screenshots_for_the_readme(page, site, path, name, tmp_path):
    # A test run leaves the checkout as it was; UPDATE_SCREENSHOTS=1 refreshes the README's.
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    page.goto(site + path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
