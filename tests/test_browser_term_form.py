"""The editor's screen: the term form fits a laptop's width, and a phone's."""

import pytest

from terms.models import Term
from tests import test_browser
from tests.test_browser import DESKTOP, PHONE
from tests.test_browser_editors import signed_in
from tests.test_versions import make_editor

pytestmark = pytest.mark.browser

browser = test_browser.browser
site = test_browser.site

# Each column header of the equivalents inline, and how far it reaches past its group.
CUT_OFF = """() => {
  const group = document.querySelector('#provider_equivalents-group');
  const edge = Math.min(group.getBoundingClientRect().right, window.innerWidth);
  return [...group.querySelectorAll('thead th')]
    .filter(th => th.offsetParent !== null)
    .map(th => [th.innerText.trim(), Math.round(th.getBoundingClientRect().right - edge)]);
}"""

SIZES = """() => ({
  form: Math.round(document.querySelector('#term_form').getBoundingClientRect().height),
  page: document.documentElement.scrollHeight,
  inline: document.querySelector('#provider_equivalents-group table').scrollWidth,
  viewport: window.innerWidth,
  pageWidth: document.documentElement.scrollWidth,
})"""


def open_form(browser, site, django_user_model, viewport):
    make_editor(django_user_model, "alice")
    term = Term.objects.get(slug="object-storage")
    context, page = signed_in(browser, site, "alice")
    page.set_viewport_size(viewport)
    page.goto(f"{site}/admin/terms/term/{term.pk}/change/")
    page.errors.clear()  # the login page's missing favicon; the form's own errors count
    return context, page


def test_no_equivalents_column_is_cut_off_at_1280_px(browser, site, django_user_model, tmp_path):
    context, page = open_form(browser, site, django_user_model, DESKTOP)
    try:
        print("1280 px:", page.evaluate(SIZES))
        page.screenshot(path=str(tmp_path / "term-form-1280.png"), full_page=True)
        columns = page.evaluate(CUT_OFF)
        assert len(columns) >= 6
        assert [name for name, past in columns if past > 0] == []
    finally:
        context.close()


def test_at_phone_width_the_equivalents_scroll_in_their_box_not_the_page(
    browser, site, django_user_model, tmp_path
):
    context, page = open_form(browser, site, django_user_model, PHONE)
    try:
        sizes = page.evaluate(SIZES)
        print("390 px:", sizes)
        page.screenshot(path=str(tmp_path / "term-form-390.png"), full_page=True)
        assert sizes["pageWidth"] <= PHONE["width"]
        wrapper = page.locator("#provider_equivalents-group div.wrapper")
        assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth")
    finally:
        context.close()


def test_the_definition_and_an_answer_preview_as_readers_will_see_them(
    browser, site, django_user_model
):
    context, page = open_form(browser, site, django_user_model, DESKTOP)
    try:
        page.fill("#id_definition", "Keeps **whole objects**, unlike a [[Data Lake]].")
        definition = page.locator(".field-definition")
        definition.get_by_role("button", name="Preview").click()
        shown = definition.locator(".markdown-preview")
        shown.locator("strong").wait_for()
        assert shown.locator("strong").inner_text() == "whole objects"
        assert shown.get_by_role("link", name="Data Lake").get_attribute("href") == (
            "/terms/data-lake/"
        )

        page.fill("#id_faqs-0-answer", "See [[No Such Term]].")
        answer = page.locator(".field-answer").first
        answer.get_by_role("button", name="Preview").click()
        answer.locator(".markdown-preview-missing").wait_for()
        assert "[[No Such Term]]" in answer.locator(".markdown-preview-missing").inner_text()
        assert page.errors == []
    finally:
        context.close()
