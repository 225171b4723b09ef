import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench import entries
from terms import textformat
from terms.models import Term
from tests.conftest import make_term


def test_same_seed_generates_the_same_entries():
    assert entries.generate(6, seed=3) == entries.generate(6, seed=3)


def test_generated_entries_read_back_as_written():
    for entry in entries.generate(8):
        assert textformat.parse(textformat.serialize(entry)) == entry


def test_each_entry_has_the_sample_glossarys_sections():
    for entry in entries.generate(8):
        assert len(entry.use_cases) == 3 and len(entry.faqs) == 3 and entry.related
        assert [e.provider for e in entry.equivalents] == ["AWS", "Azure", "GCP", "OCI"]


def test_generate_entries_writes_files_the_import_accepts(db, tmp_path):
    call_command("generate_entries", str(tmp_path), count=12, stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_glossary", str(tmp_path), dry_run=True, stdout=out)
    assert "would create 12, update 0" in out.getvalue()


def test_imported_entries_export_exactly_as_generated(db, tmp_path):
    call_command("generate_entries", str(tmp_path / "in"), count=12, stdout=io.StringIO())
    call_command("import_glossary", str(tmp_path / "in"), stdout=io.StringIO())
    call_command("export_glossary", str(tmp_path / "out"), stdout=io.StringIO())
    written = {p.name: p.read_text() for p in (tmp_path / "in").iterdir()}
    assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()} == written


def test_bench_import_prints_each_count_and_the_ratio(db):
    out = io.StringIO()
    call_command("bench_import", counts=[3, 6], stdout=out)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r" +3 entries: +[\d.]+ s, +\d+ terms/s \(CPU [\d.]+ s\)", lines[0])
    assert re.fullmatch(r" +6 entries: +[\d.]+ s, +\d+ terms/s \(CPU [\d.]+ s\)", lines[1])
    assert re.fullmatch(r"6 / 3 entries: [\d.]+x the time, [\d.]+x the CPU time", lines[2])


def test_bench_import_leaves_the_last_counts_terms(db):
    call_command("bench_import", counts=[3, 5], stdout=io.StringIO())
    assert Term.objects.count() == 5


def test_bench_import_refuses_a_glossary_with_terms(db):
    make_term("Photon Relay")
    with pytest.raises(CommandError, match="has 1 term;"):
        call_command("bench_import", counts=[3], stdout=io.StringIO())


def test_bench_import_with_flush_deletes_the_terms_first(db):
    make_term("Photon Relay")
    call_command("bench_import", counts=[3], flush=True, stdout=io.StringIO())
    assert Term.objects.count() == 3 and not Term.objects.filter(name="Photon Relay").exists()
