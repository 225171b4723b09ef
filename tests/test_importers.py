import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from terms import importers
from terms.importers import ImportFailed, export_term, import_paths
from terms.models import Category, ProviderEquivalent, Term
from tests.conftest import REFERENCE_ENTRY as SEED
from tests.conftest import make_category, make_term
from tests.test_textformat import FIVE_MISTAKES, FIVE_PROBLEMS

SAMPLE = Path(__file__).resolve().parents[1] / "terms" / "sample_glossary"

pytestmark = pytest.mark.django_db


def entry(name, *, related=(), see_also=(), category="ai-ml", definition=None, extra=""):
    lines = [
        name,
        "Definition",
        definition or f"{name} is explained here.",
        *([extra] if extra else []),
        f"Category: {category}",
        "Difficulty: beginner",
        "Related Terms",
        *(f"- {r}" for r in related),
        "See Also",
        *(f"- {s}" for s in see_also),
    ]
    return "\n".join(lines)


def write(folder, name, text):
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_reference_entry_stores_its_children():
    import_paths([SEED])
    term = Term.objects.get(slug="model-training")
    assert term.use_cases.count() == 3
    assert term.provider_equivalents.count() == 4
    assert term.faqs.count() == 3
    assert term.use_cases.get(organization="Uber").outcome == (
        "More accurate ETAs and improved marketplace efficiency "
        "(better matching of riders and drivers)."
    )


def test_unknown_category_slug_creates_the_category():
    import_paths([SEED])
    assert Category.objects.get(slug="ai-ml").name == "AI & Machine Learning"


def test_reimport_of_unchanged_file_changes_nothing():
    import_paths([SEED])
    before = Term.objects.values_list("updated_at", flat=True).get()
    child_ids = list(ProviderEquivalent.objects.values_list("pk", flat=True))
    report = import_paths([SEED])
    assert report.unchanged == ["Model Training"] and not report.updated
    assert Term.objects.values_list("updated_at", flat=True).get() == before
    assert list(ProviderEquivalent.objects.values_list("pk", flat=True)) == child_ids


def test_reimport_of_changed_file_replaces_children(tmp_path):
    import_paths([SEED])
    changed = SEED.read_text().replace("- Google: Email spam", "- Gmail: Email spam")
    report = import_paths([write(tmp_path, "model-training.txt", changed)])
    assert report.updated == ["Model Training"]
    organizations = Term.objects.get().use_cases.values_list("organization", flat=True)
    assert list(organizations) == ["Netflix", "Uber", "Gmail"]


def test_reimport_keeps_editor_only_fields_of_an_unchanged_service(tmp_path):
    import_paths([SEED])
    ProviderEquivalent.objects.filter(provider__slug="aws").update(
        url="https://docs.example.com/sagemaker"
    )
    import_paths([write(tmp_path, "m.txt", SEED.read_text().replace("OCI Data", "Oracle Data"))])
    assert ProviderEquivalent.objects.get(provider__slug="aws").url.endswith("/sagemaker")


def test_dry_run_reports_and_writes_nothing(tmp_path):
    report = import_paths([SEED], dry_run=True)
    assert report.created == ["Model Training"]
    assert not Term.objects.exists() and not Category.objects.exists()


def test_related_terms_resolve_across_files_and_both_ways(tmp_path):
    write(tmp_path, "a.txt", entry("Alpha", related=["Beta"], see_also=["Beta"]))
    write(tmp_path, "b.txt", entry("Beta"))
    import_paths([tmp_path])
    alpha, beta = Term.objects.order_by("name")
    assert list(beta.related_terms.all()) == [alpha]
    assert list(alpha.see_also.all()) == [beta] and not beta.see_also.exists()


def test_related_terms_resolve_against_the_database(tmp_path):
    stored = make_term("Kubernetes")
    import_paths([write(tmp_path, "c.txt", entry("Container", related=["kubernetes"]))])
    assert list(Term.objects.get(name="Container").related_terms.all()) == [stored]


def test_export_then_import_into_empty_database_then_export_is_identical(tmp_path):
    write(tmp_path, "a.txt", entry("Alpha", related=["Beta"], see_also=["Beta"]))
    write(tmp_path, "b.txt", entry("Beta", category="compute"))
    import_paths([tmp_path, SEED])
    call_command("export_glossary", tmp_path / "first", stdout=None)
    Term.objects.all().delete()
    import_paths([tmp_path / "first"])
    call_command("export_glossary", tmp_path / "second")
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert first == second and len(first) == 3


def test_export_of_imported_reference_entry_is_identical():
    import_paths([SEED])
    term = Term.objects.with_related().get()
    assert export_term(term) == SEED.read_text(encoding="utf-8")


def test_sample_glossary_imports_and_reimports_as_a_no_op():
    first = import_paths([SAMPLE])
    assert len(first.created) >= 24
    assert Category.objects.count() >= 6
    assert len(import_paths([SAMPLE]).unchanged) == len(first.created)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.txt": entry("Alpha", related=["Nowhere"])}, "a.txt:7: related term 'Nowhere' not found"),
        ({"a.txt": entry("Alpha", see_also=["Alpha"])}, "a.txt:8: a term cannot name itself"),
        ({"a.txt": entry("Alpha"), "b.txt": entry("ALPHA")}, "b.txt:1: the term 'ALPHA' is also defined in"),
        ({"a.txt": entry("Alpha", extra="Provider Equivalents\n- IBM: Cloud Foo")}, "a.txt:5: unknown provider 'IBM' (known: AWS, Azure, GCP, OCI)"),
        ({"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00"}, "a.txt: binary file"),
        ({"a.txt": "Caf\u00e9".encode("latin-1")}, "a.txt:1: not UTF-8"),
        ({"a.txt": "Alpha\nDefinition\nText"}, "a.txt: missing 'Category: ...' section"),
    ],
    ids=["unknown-related", "self-link", "duplicate-name", "unknown-provider", "binary", "latin-1", "no-category"],
)  # fmt: skip
def test_bad_import_names_file_and_line_and_writes_nothing(tmp_path, files, expected):
    write(tmp_path, "ok.txt", entry("Zeta"))
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert any(expected in error for error in info.value.errors), info.value.errors
    assert not Term.objects.exists() and not Category.objects.exists()


def test_every_bad_file_is_reported_not_only_the_first(tmp_path):
    write(tmp_path, "a.txt", "Alpha\nDefinition\nText")
    write(tmp_path, "b.txt", entry("Beta").replace("beginner", "expert"))
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert [error.removeprefix(f"{tmp_path}/") for error in info.value.errors] == [
        "a.txt: missing 'Category: ...' section",
        "a.txt: missing 'Difficulty: ...' section",
        "b.txt:5: unknown difficulty 'expert' (expected beginner, intermediate, advanced)",
    ]


def test_every_mistake_of_a_file_is_reported_and_nothing_is_written(tmp_path):
    write(tmp_path, "ok.txt", entry("Zeta"))
    bad = write(tmp_path, "bad.txt", FIVE_MISTAKES)
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert info.value.errors == [f"{bad}:{problem}" for problem in FIVE_PROBLEMS]
    assert not Term.objects.exists() and not Category.objects.exists()


def test_files_that_parse_are_still_checked_when_another_does_not(tmp_path):
    write(tmp_path, "a.txt", entry("Alpha").replace("beginner", "expert"))
    write(tmp_path, "b.txt", entry("Beta", extra="Provider Equivalents\n- IBM: Cloud Foo"))
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert [error.removeprefix(f"{tmp_path}/") for error in info.value.errors] == [
        "a.txt:5: unknown difficulty 'expert' (expected beginner, intermediate, advanced)",
        "b.txt:5: unknown provider 'IBM' (known: AWS, Azure, GCP, OCI)",
    ]


def test_a_link_to_a_term_whose_file_does_not_parse_is_not_reported_unknown(tmp_path):
    write(tmp_path, "a.txt", entry("Alpha").replace("beginner", "expert"))
    write(tmp_path, "b.txt", entry("Beta", related=["alpha"], see_also=["Gamma"]))
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert [error.removeprefix(f"{tmp_path}/") for error in info.value.errors] == [
        "a.txt:5: unknown difficulty 'expert' (expected beginner, intermediate, advanced)",
        "b.txt:9: see-also term 'Gamma' not found in this import or the glossary",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (entry("N" * 201), "a.txt:1: term name is 201 characters; at most 200"),
        (entry("Alpha", extra="Use Cases\n- " + "O" * 201 + ": T \u2014 D. (E.)"), "a.txt:5: use case organization is 201 characters; at most 200"),
        (entry("Alpha", extra="Provider Equivalents\n- AWS: " + "S" * 201), "a.txt:5: provider service is 201 characters; at most 200"),
        (entry("Alpha", category="c" * 101), "a.txt:4: category slug is 101 characters; at most 100"),
    ],
    ids=["name", "organization", "service", "category-slug"],
)  # fmt: skip
def test_over_long_field_is_reported_with_its_line_and_nothing_is_written(tmp_path, text, expected):
    write(tmp_path, "ok.txt", entry("Zeta"))
    write(tmp_path, "a.txt", text)
    with pytest.raises(ImportFailed) as info:
        import_paths([tmp_path])
    assert info.value.errors == [f"{tmp_path}/{expected}"]
    assert not Term.objects.exists() and not Category.objects.exists()


def test_failure_after_writes_started_rolls_everything_back(tmp_path, monkeypatch):
    from terms import importers

    write(tmp_path, "a.txt", entry("Alpha"))
    write(tmp_path, "b.txt", entry("Beta"))
    original = importers._write_term

    def fail_on_beta(term, entry, *args):
        if entry.name == "Beta":
            raise RuntimeError("disk full")
        return original(term, entry, *args)

    monkeypatch.setattr(importers, "_write_term", fail_on_beta)
    with pytest.raises(RuntimeError):
        import_paths([tmp_path])
    assert not Term.objects.exists()


def test_command_prints_errors_and_exits_non_zero_without_traceback(tmp_path, capsys):
    write(tmp_path, "a.txt", entry("Alpha").replace("beginner", "expert"))
    with pytest.raises(CommandError, match="1 problem found; nothing was imported"):
        call_command("import_glossary", str(tmp_path))
    assert "a.txt:5: unknown difficulty 'expert'" in capsys.readouterr().err


def test_command_dry_run_lists_what_would_change(capsys):
    call_command("import_glossary", str(SEED), "--dry-run")
    out = capsys.readouterr().out
    assert "create: Model Training" in out and "Nothing was written" in out
    assert not Term.objects.exists()


def test_command_refuses_a_missing_path(capsys):
    with pytest.raises(CommandError):
        call_command("import_glossary", "no/such/folder")
    assert "no/such/folder: no such file or folder" in capsys.readouterr().err


def test_command_if_empty_leaves_an_edited_glossary_alone(capsys):
    make_term("Model Training", definition="Edited by an editor.")
    call_command("import_glossary", str(SEED), "--if-empty")
    assert "already has 1 terms" in capsys.readouterr().out
    assert Term.objects.get().definition == "Edited by an editor."


def test_command_if_empty_imports_into_an_empty_glossary():
    call_command("import_glossary", str(SEED), "--if-empty")
    assert Term.objects.filter(name="Model Training").exists()


def test_sample_glossary_is_in_canonical_form(tmp_path):
    import_paths([SAMPLE])
    call_command("export_glossary", tmp_path)
    exported = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert exported == {p.name: p.read_bytes() for p in SAMPLE.glob("*.txt")}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite's writers take the lock as their transaction begins",
)
@pytest.mark.django_db(transaction=True)
def test_the_loser_of_two_concurrent_imports_ends_with_one_clear_line(tmp_path, monkeypatch):
    make_category("storage")
    path = tmp_path / "race.txt"
    path.write_text(entry("Race Condition", category="storage"))
    write = importers._categories
    raced = []

    def other_import_commits_first(*args):
        # The other import runs between this one's checks and its writes.
        if not raced:
            raced.append(True)
            other = threading.Thread(target=import_in_own_connection, args=[path])
            other.start()
            other.join()
        return write(*args)

    monkeypatch.setattr(importers, "_categories", other_import_commits_first)

    with pytest.raises(CommandError) as loser:
        call_command("import_glossary", str(path))

    assert "another import or edit wrote the same terms" in str(loser.value)
    assert "\n" not in str(loser.value)
    assert list(Term.objects.values_list("name", flat=True)) == ["Race Condition"]


def import_in_own_connection(path):
    try:
        import_paths([path])
    finally:
        connection.close()
