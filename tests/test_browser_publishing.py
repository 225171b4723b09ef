"""The editorial journey in a real browser: an Editor writes a draft, previews it and
submits it; a Publisher publishes it; readers then see it; a bad edit is reverted."""

import pytest

from terms import roles
from terms.models import Status, Term
from tests import test_browser
from tests.test_browser import open_page
from tests.test_browser_editors import signed_in

pytestmark = pytest.mark.browser

browser = test_browser.browser
site = test_browser.site


def member(django_user_model, username, role):
    user = django_user_model.objects.create_user(username, password="s3cret-pass!", is_staff=True)
    user.groups.add(roles.group(role))
    return user


def new_reader_sees(browser, url):
    context, page = open_page(browser)
    try:
        page.goto(url)
        return page.inner_text("main")
    finally:
        context.close()


def test_an_editor_drafts_and_submits_and_a_publisher_publishes_and_reverts(
    browser, site, django_user_model, tmp_path
):
    member(django_user_model, "alice", roles.EDITOR)
    member(django_user_model, "bob", roles.PUBLISHER)
    alice_context, alice = signed_in(browser, site, "alice")
    bob_context, bob = signed_in(browser, site, "bob")
    reader_context, reader = open_page(browser)
    try:
        alice.goto(site + "/admin/terms/term/add/")
        alice.fill("#id_name", "Edge Cache")
        alice.fill("#id_definition", "An edge cache keeps copies near readers. It is fast.")
        alice.select_option("#id_category", label="Storage")
        alice.select_option("#id_difficulty", "beginner")
        alice.get_by_role("button", name="Save and continue editing").first.click()
        alice.wait_for_load_state()
        term = Term.objects.get(name="Edge Cache")
        assert term.status == Status.DRAFT
        assert reader.goto(site + "/terms/edge-cache/").status == 404

        preview_link = alice.input_value("input[aria-label='Preview link']")
        assert reader.goto(preview_link).status == 200
        assert "keeps copies near readers" in reader.inner_text("main")

        assert alice.get_by_role("button", name="Publish now").count() == 0
        alice.get_by_role("button", name="Submit for review").click()
        alice.wait_for_load_state()
        assert "Status: In review" in alice.inner_text("#workflow-heading")
        alice.screenshot(path=str(tmp_path / "editor-form.png"))

        bob.goto(f"{site}/admin/terms/term/{term.pk}/change/")
        bob.get_by_role("button", name="Publish now").click()
        bob.wait_for_load_state()
        assert "Status: Published" in bob.inner_text("#workflow-heading")
        assert reader.goto(site + "/terms/edge-cache/").status == 200

        # A hasty rewrite goes live; the Publisher puts the reviewed version back.
        bob.fill("#id_definition", "A hasty rewrite that nobody reviewed.")
        with bob.expect_navigation():
            bob.get_by_role("button", name="Save and continue editing").first.click()
        assert "was changed successfully" in bob.inner_text(".messagelist")
        # A new reader each time: a reader's browser may keep a page for PAGE_MAX_AGE.
        assert "hasty rewrite" in new_reader_sees(browser, site + "/terms/edge-cache/")

        bob.get_by_role("link", name="History").click()
        bob.wait_for_url(f"**/admin/terms/term/{term.pk}/history/")
        # Newest first: the rewrite, then the published version, whose button comes first.
        with bob.expect_navigation():
            bob.get_by_role("button", name="Revert to this version").first.click()
        assert "is back as version" in bob.inner_text(".messagelist")
        text = new_reader_sees(browser, site + "/terms/edge-cache/")
        assert "keeps copies near readers" in text and "hasty rewrite" not in text
    finally:
        alice_context.close()
        bob_context.close()
        reader_context.close()
