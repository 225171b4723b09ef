"""Drafts, review, publishing, the next version of a published term, preview links and
scheduling: what readers see at each step."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from terms import publishing, writing
from terms.models import Category, Provider, Status, Term
from terms.search import search_terms, suggest
from tests.conftest import make_term

pytestmark = pytest.mark.django_db


def draft(name="Secret Draft", **fields):
    return make_term(name, status=Status.DRAFT, **fields)


def found(query):
    """Names of the terms a search finds."""
    ids = search_terms(query).ids
    return [Term.objects.get(pk=pk).name for pk in ids]


def page(client, term):
    return client.get(reverse("terms:term-detail", args=[term.slug]))


def test_published_leaves_out_drafts_and_terms_in_review():
    live = make_term("Live")
    draft("Drafted")
    make_term("Reviewed", status=Status.REVIEW)
    assert list(Term.objects.published()) == [live]


def test_a_term_whose_scheduled_time_has_passed_counts_as_published_before_the_command():
    due = draft("Due", publish_at=timezone.now() - timedelta(minutes=1))
    draft("Later", publish_at=timezone.now() + timedelta(days=1))
    assert list(Term.objects.published()) == [due]


def test_a_drafts_url_is_a_404_for_readers(client):
    assert page(client, draft()).status_code == 404


def test_a_due_scheduled_terms_page_shows_before_the_command_runs(client):
    due = draft("Due", publish_at=timezone.now() - timedelta(minutes=1))
    assert page(client, due).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        reverse("terms:home"),
        reverse("terms:term-list"),
        reverse("terms:category-detail", args=["ai-ml"]),
        reverse("terms:feed"),
        reverse("terms:sitemap"),
        reverse("terms:compare"),
        "/api/v1/terms/",
        "/api/v1/categories/ai-ml/",
    ],
)
def test_public_lists_leave_drafts_out(client, url):
    make_term("Visible Term", children=1)
    draft("Secret Draft", children=1)
    body = client.get(url).content.decode()
    assert "Visible Term" in body or "visible-term" in body
    assert "Secret Draft" not in body and "secret-draft" not in body


def test_category_and_provider_counts_count_published_terms_only():
    make_term("Visible Term", children=1)
    draft("Secret Draft", children=1)
    assert Category.objects.with_term_count().get(slug="ai-ml").term_count == 1
    counts = {p.slug: p.term_count for p in Provider.objects.with_counts()}
    assert sum(counts.values()) == 1


def test_a_provider_page_and_service_page_leave_drafts_out(client):
    hidden = draft("Secret Draft", children=1)
    equivalent = hidden.provider_equivalents.get()
    provider_page = client.get(equivalent.provider.get_absolute_url()).content.decode()
    assert "Secret Draft" not in provider_page
    assert client.get(equivalent.get_absolute_url()).status_code == 404


def test_search_and_autocomplete_never_name_a_draft():
    make_term("Quantum Visible")
    draft("Quantum Secret")
    assert found("quantum") == ["Quantum Visible"]
    assert [s["name"] for s in suggest("quant")] == ["Quantum Visible"]


def test_publishing_a_term_puts_it_in_search():
    hidden = draft("Quantum Secret")
    publishing.publish(hidden)
    assert found("quantum") == ["Quantum Secret"]


def test_unpublishing_a_term_takes_it_out_of_search_and_its_page_down(client):
    live = make_term("Quantum Live")
    publishing.unpublish(live)
    assert found("quantum") == []
    assert page(client, live).status_code == 404


def test_a_link_to_a_draft_is_plain_text_until_it_is_published(client):
    target = draft("Hidden Target")
    source = make_term("Source", definition="Source links to [[Hidden Target]]. More.")
    publishing.publish(make_term("Other"))  # any later batch: nothing changes for the link
    html = Term.objects.get(pk=source.pk).definition_html
    assert 'href="/terms/hidden-target/"' not in html
    publishing.publish(target)
    assert 'href="/terms/hidden-target/"' in Term.objects.get(pk=source.pk).definition_html


def test_a_published_term_does_not_list_drafts_that_mention_it(client):
    target = make_term("Target")
    draft("Mentioner", definition="Mentioner builds on [[Target]]. More.")
    body = page(client, target).content.decode()
    assert "Mentioner" not in body


def test_submit_moves_a_draft_to_review():
    term = draft()
    publishing.submit(term)
    assert Term.objects.get(pk=term.pk).status == Status.REVIEW


def test_publish_stamps_published_at_and_clears_the_schedule():
    term = draft(publish_at=timezone.now() + timedelta(days=1))
    publishing.publish(term)
    term.refresh_from_db()
    assert (term.status, term.publish_at) == (Status.PUBLISHED, None)
    assert term.published_at is not None


def test_scheduling_needs_a_time_in_the_future():
    with pytest.raises(publishing.WorkflowError, match="future"):
        publishing.schedule(draft(), timezone.now() - timedelta(minutes=1))


# ---------------------------------------------------------------- the next version


def test_a_draft_of_a_published_term_starts_as_its_entry_text():
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    assert next_version.text.startswith("Object Store\nDefinition\nObject Store keeps blobs.")


def test_readers_see_the_live_version_while_its_next_version_is_drafted(client):
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    next_version.text = next_version.text.replace("keeps blobs", "keeps objects by key")
    next_version.save()
    body = page(client, live).content.decode()
    assert "keeps blobs" in body and "keeps objects by key" not in body


def test_publishing_applies_the_next_version_and_ends_the_draft(client):
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    next_version.text = next_version.text.replace("keeps blobs", "keeps objects by key")
    next_version.save()
    publishing.publish(live)
    assert "keeps objects by key" in page(client, live).content.decode()
    assert publishing.pending_draft(live) is None


def test_a_next_version_that_does_not_parse_is_refused_and_the_live_term_kept(client):
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    next_version.text = "Object Store\nDifficulty: expert"
    next_version.save()
    with pytest.raises(publishing.WorkflowError, match="draft of object-store"):
        publishing.publish(live)
    assert "keeps blobs" in page(client, live).content.decode()


def test_the_admin_refuses_a_draft_text_that_does_not_parse(admin_client):
    live = make_term("Object Store")
    next_version = publishing.start_draft(live)
    url = reverse("admin:terms_termdraft_change", args=[next_version.pk])
    response = admin_client.post(url, {"text": "Object Store\nDifficulty: expert"})
    assert response.status_code == 200
    assert "missing" in response.content.decode()


# ---------------------------------------------------------------- preview


def preview_url(term):
    return reverse("terms:preview", args=[publishing.preview_token(term)])


def test_a_preview_link_shows_a_draft_with_the_term_page_template(
    client, django_assert_max_num_queries
):
    term = draft("Secret Draft", definition="Secret Draft is unreleased. Soon.")
    url = preview_url(term)
    # The term, its pending draft, its slug, then the term page's five queries.
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert "terms/term_detail.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Secret Draft is unreleased" in body and "Readers do not see this version" in body
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_a_preview_of_the_next_version_shows_it_and_leaves_the_live_term_unchanged(client):
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    next_version.text = next_version.text.replace("keeps blobs", "keeps objects by key")
    next_version.save()
    assert "keeps objects by key" in client.get(preview_url(live)).content.decode()
    assert "keeps blobs" in page(client, live).content.decode()
    assert Term.objects.get(pk=live.pk).definition.startswith("Object Store keeps blobs")
    assert publishing.pending_draft(live) is not None


def test_an_expired_preview_link_is_a_404(client, settings):
    term = draft()
    url = preview_url(term)
    settings.PREVIEW_MAX_AGE = -1
    assert client.get(url).status_code == 404


def test_a_forged_preview_link_is_a_404(client):
    term = draft()
    forged = signing.TimestampSigner(salt="something-else").sign(str(term.pk))
    assert client.get(reverse("terms:preview", args=[forged])).status_code == 404


def test_the_term_form_shows_the_status_and_the_steps_at_its_top(admin_client):
    term = draft()
    body = admin_client.get(reverse("admin:terms_term_change", args=[term.pk])).content.decode()
    status = body.index("Status: Draft")
    assert status < body.index('id="term_form"')
    for step in ("Submit for review", "Publish now", "Schedule", "Preview"):
        assert step in body


# ---------------------------------------------------------------- scheduling


def test_publish_scheduled_publishes_what_is_due_and_nothing_else(capsys):
    due = draft("Due", publish_at=timezone.now() - timedelta(minutes=1))
    later = draft("Later", publish_at=timezone.now() + timedelta(days=1))
    call_command("publish_scheduled")
    assert Term.objects.get(pk=due.pk).status == Status.PUBLISHED
    assert Term.objects.get(pk=later.pk).status == Status.DRAFT
    assert "Published 1 scheduled term(s)." in capsys.readouterr().out


def test_publish_scheduled_run_twice_publishes_nothing_the_second_time(capsys):
    due = draft("Due", publish_at=timezone.now() - timedelta(minutes=1))
    call_command("publish_scheduled")
    version = Term.objects.get(pk=due.pk).version
    call_command("publish_scheduled")
    assert "Published 0 scheduled term(s)." in capsys.readouterr().out
    assert Term.objects.get(pk=due.pk).version == version


def test_publish_scheduled_applies_a_due_next_version(client):
    live = make_term("Object Store", definition="Object Store keeps blobs. It scales.")
    next_version = publishing.start_draft(live)
    next_version.text = next_version.text.replace("keeps blobs", "keeps objects by key")
    next_version.publish_at = timezone.now() - timedelta(minutes=1)
    next_version.save()
    call_command("publish_scheduled")
    assert "keeps objects by key" in page(client, live).content.decode()


# ---------------------------------------------------------------- import


def test_import_publishes_new_terms_by_default(tmp_path):
    (tmp_path / "a.txt").write_text(ENTRY)
    call_command("import_glossary", str(tmp_path))
    assert Term.objects.get(name="Imported Term").status == Status.PUBLISHED


def test_import_with_status_draft_creates_drafts(tmp_path):
    (tmp_path / "a.txt").write_text(ENTRY)
    call_command("import_glossary", str(tmp_path), "--status", "draft")
    assert Term.objects.get(name="Imported Term").status == Status.DRAFT


def test_import_leaves_the_status_of_existing_terms_unchanged_by_default(tmp_path):
    draft("Imported Term")
    (tmp_path / "a.txt").write_text(ENTRY)
    call_command("import_glossary", str(tmp_path))
    assert Term.objects.get(name="Imported Term").status == Status.DRAFT


def test_import_with_status_publishes_an_unchanged_existing_draft(tmp_path):
    (tmp_path / "a.txt").write_text(ENTRY)
    call_command("import_glossary", str(tmp_path), "--status", "draft")
    call_command("import_glossary", str(tmp_path), "--status", "published")
    assert Term.objects.get(name="Imported Term").status == Status.PUBLISHED


ENTRY = """Imported Term
Definition
An imported term is a thing. It has a second sentence.
Category: ai-ml
Difficulty: beginner"""


def test_a_next_version_keeps_a_relation_to_an_unpublished_term(client):
    unreleased = draft("Unreleased")
    live = make_term("Object Store")
    writing.replace_term(live, {}, links={"related_terms": [unreleased]})
    publishing.start_draft(live)
    publishing.publish(live)
    assert list(Term.objects.get(pk=live.pk).related_terms.all()) == [unreleased]
    assert "Unreleased" not in page(client, live).content.decode()


def test_publish_scheduled_reports_a_draft_that_does_not_parse_and_publishes_the_rest():
    broken = make_term("Broken")
    next_version = publishing.start_draft(broken)
    next_version.text = "Broken\nDifficulty: expert"
    next_version.publish_at = timezone.now() - timedelta(minutes=1)
    next_version.save()
    due = draft("Due", publish_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(CommandError, match="1 scheduled draft"):
        call_command("publish_scheduled")
    assert Term.objects.get(pk=due.pk).status == Status.PUBLISHED
    assert publishing.pending_draft(broken) is not None


def test_a_preview_of_a_draft_that_does_not_parse_says_why(client):
    live = make_term("Broken")
    next_version = publishing.start_draft(live)
    next_version.text = "Broken\nDifficulty: expert"
    next_version.save()
    response = client.get(preview_url(live))
    assert response.status_code == 400
    assert "missing 'Definition' section" in response.content.decode()


def test_the_admin_schedule_button_sets_the_time_to_publish_at(admin_client):
    term = draft()
    url = reverse("admin:terms_term_workflow", args=[term.pk, "schedule"])
    admin_client.post(url, {"publish_at": "2999-01-01T10:00"})
    assert Term.objects.get(pk=term.pk).publish_at.year == 2999


def test_links_to_a_scheduled_term_appear_when_the_command_publishes_it():
    target = draft("Hidden Target")
    publishing.schedule(target, timezone.now() + timedelta(minutes=5))
    source = make_term("Source", definition="Source links to [[Hidden Target]]. More.")
    Term.objects.filter(pk=target.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    call_command("publish_scheduled")
    assert 'href="/terms/hidden-target/"' in Term.objects.get(pk=source.pk).definition_html
