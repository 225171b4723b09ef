"""Imports never rename a term unasked; feeds, admin saves and HEAD keep content as it is."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from terms.admin import LinesField
from terms.importers import ImportFailed, import_entries
from terms.models import Term
from terms.textformat import parse
from tests.conftest import make_term
from tests.test_admin import change_url, inline_management, upload
from tests.test_importers import entry, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def parsed(name, definition=None):
    return parse(entry(name, definition=definition), f"{name}.txt")


# Renames


@pytest.mark.parametrize(
    ("stored", "imported"), [("Cafe", "Café"), ("Model Training", "model training")]
)
def test_an_import_that_would_rename_a_term_is_refused_naming_both(stored, imported):
    make_term(stored, definition="The stored one. Kept.")
    with pytest.raises(ImportFailed) as caught:
        import_entries([parsed(imported, "The imported one. New.")])
    assert caught.value.errors == [
        f"{imported}.txt:1: '{imported}' would rename the existing term '{stored}'; "
        "import with --rename (admin: 'Rename existing terms') if that is meant"
    ]
    assert Term.objects.get().definition == "The stored one. Kept."


def test_a_dry_run_reports_the_rename():
    make_term("Cafe")
    report = import_entries([parsed("Café")], dry_run=True)
    assert report.renamed == [("Cafe", "Café")]
    assert Term.objects.get().name == "Cafe"


def test_an_import_with_rename_renames():
    make_term("Cafe")
    report = import_entries([parsed("Café")], rename=True)
    assert report.renamed == [("Cafe", "Café")]
    assert Term.objects.get().name == "Café"


def test_an_import_under_the_same_name_needs_no_rename():
    make_term("Cafe", definition="Old. Text.")
    report = import_entries([parsed("Cafe", "New. Text.")])
    assert report.updated == ["Cafe"] and report.renamed == []


def test_cli_dry_run_says_the_rename_needs_the_flag(tmp_path, capsys):
    make_term("Cafe")
    path = write(tmp_path, "cafe.txt", entry("Café"))
    call_command("import_glossary", str(path), dry_run=True)
    assert "rename: Cafe -> Café (needs --rename)" in capsys.readouterr().out


def test_cli_refuses_a_rename_without_the_flag_and_renames_with_it(tmp_path):
    make_term("Cafe")
    path = write(tmp_path, "cafe.txt", entry("Café"))
    with pytest.raises(CommandError):
        call_command("import_glossary", str(path))
    assert Term.objects.get().name == "Cafe"
    call_command("import_glossary", str(path), rename=True)
    assert Term.objects.get().name == "Café"


def test_admin_import_renames_only_with_the_checkbox(client, editor):
    client.force_login(editor)
    make_term("Cafe")
    url = reverse("admin:terms_term_import")
    refused = client.post(url, {"files": [upload("c.txt", entry("Café").encode())]})
    assert "would rename the existing term 'Cafe'" in refused.context["errors"][0]
    client.post(url, {"files": [upload("c.txt", entry("Café").encode())], "rename": "on"})
    assert Term.objects.get().name == "Café"


def test_admin_preview_lists_the_rename(client, editor):
    client.force_login(editor)
    make_term("Cafe")
    url = reverse("admin:terms_term_import")
    response = client.post(
        url, {"files": [upload("c.txt", entry("Café").encode())], "dry_run": "on"}
    )
    assert "Cafe → Café (needs “Rename existing terms”)" in response.content.decode()


# The feed


def test_feed_declares_summaries_as_text_so_markup_stays_text(client):
    make_term("Markup", definition="Shows <svg onload=alert(1)/> as text. More.")
    body = client.get("/feed/").content.decode()
    assert '<summary type="text">Shows &lt;svg onload=alert(1)/ as text.</summary>' in body
    assert 'type="html"' not in body


# Admin saves


def test_lines_field_splits_on_newlines_only():
    value = "ali\u2028as\r\nform\x0cfeed\nnext\x85line\n\n"
    assert LinesField().to_python(value) == ["ali\u2028as", "form\x0cfeed", "next\x85line"]


def test_saving_a_term_unchanged_in_the_admin_keeps_an_alias_with_a_line_separator(client, editor):
    client.force_login(editor)
    term = make_term("Separator", aliases=["ali\u2028as"])
    form = client.get(change_url(term)).context["adminform"].form
    data = {
        "name": term.name,
        "slug": term.slug,
        "aliases": form["aliases"].value(),
        "category": str(term.category_id),
        "difficulty": term.difficulty,
        "definition": term.definition,
        **inline_management("use_cases"),
        **inline_management("provider_equivalents"),
        **inline_management("faqs"),
    }
    response = client.post(change_url(term), data)
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.aliases == ["ali\u2028as"]


# HEAD


@pytest.mark.parametrize("path", ["/search/?q=storage", "/search/suggest/?q=sto"])
def test_head_works_where_get_does(client, path):
    make_term("Object Storage")
    assert client.get(path).status_code == 200
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""


def test_admin_refuses_more_aliases_than_an_entry_may_hold(client, editor):
    client.force_login(editor)
    term = make_term("Many Names")
    data = {
        "name": term.name,
        "slug": term.slug,
        "aliases": "\n".join(f"Alias {i}" for i in range(51)),
        "category": str(term.category_id),
        "difficulty": term.difficulty,
        "definition": term.definition,
        **inline_management("use_cases"),
        **inline_management("provider_equivalents"),
        **inline_management("faqs"),
    }
    response = client.post(change_url(term), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"aliases": ["At most 50 aliases."]}


def test_admin_refuses_more_faqs_than_an_entry_may_hold(client, editor):
    client.force_login(editor)
    term = make_term("Many Questions")
    faqs = {}
    for i in range(51):
        faqs |= {
            f"faqs-{i}-question": f"Question {i}?",
            f"faqs-{i}-answer": "Yes.",
            f"faqs-{i}-position": str(i),
        }
    data = {
        "name": term.name,
        "slug": term.slug,
        "aliases": "",
        "category": str(term.category_id),
        "difficulty": term.difficulty,
        "definition": term.definition,
        **inline_management("use_cases"),
        **inline_management("provider_equivalents"),
        **inline_management("faqs", total=51),
        **faqs,
    }
    response = client.post(change_url(term), data)
    assert response.status_code == 200
    assert not term.faqs.exists()
