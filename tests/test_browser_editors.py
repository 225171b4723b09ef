"""Two editors in two browsers on one term: the second save is refused, nothing is lost."""

import pytest

from terms.models import Term
from tests import test_browser
from tests.test_browser import open_page
from tests.test_versions import make_editor

pytestmark = pytest.mark.browser

# The reader journeys' Chromium and live site, shared with these tests.
browser = test_browser.browser
site = test_browser.site


def signed_in(browser, site, username):
    context, page = open_page(browser)
    page.goto(site + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "s3cret-pass!")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site + "/admin/")
    return context, page


def test_two_editors_race_and_the_second_keeps_their_input(
    browser,
    site,
    django_user_model,
    tmp_path,
):
    make_editor(django_user_model, "alice")
    make_editor(django_user_model, "bob")
    term = Term.objects.get(slug="object-storage")
    url = f"{site}/admin/terms/term/{term.pk}/change/"
    alice_context, alice = signed_in(browser, site, "alice")
    bob_context, bob = signed_in(browser, site, "bob")
    try:
        alice.goto(url)
        bob.goto(url)

        alice.fill("#id_definition", "Alice rewrote this definition. Objects live in buckets.")
        alice.get_by_role("button", name="Save", exact=True).first.click()
        alice.wait_for_url("**/admin/terms/term/")

        bob.fill("#id_aliases", "Bucket store\nBlob store")
        bob.get_by_role("button", name="Save", exact=True).first.click()
        bob.wait_for_load_state()

        conflict = bob.locator(".version-conflict")
        assert (
            conflict.get_by_role("heading", level=2).inner_text().startswith("Changed by alice at")
        )
        assert "Alice" in " ".join(conflict.locator("del").all_inner_texts())
        assert bob.input_value("#id_aliases") == "Bucket store\nBlob store"
        bob.screenshot(path=str(tmp_path / "conflict.png"), full_page=True)
        stored = Term.objects.get(pk=term.pk)
        assert stored.definition.startswith("Alice rewrote")
        assert stored.aliases == term.aliases

        # Having read the differences, Bob saves again: his version wins, deliberately.
        bob.get_by_role("button", name="Save", exact=True).first.click()
        bob.wait_for_url("**/admin/terms/term/")
        assert Term.objects.get(pk=term.pk).aliases == ["Bucket store", "Blob store"]
    finally:
        alice_context.close()
        bob_context.close()
