import io

from django.core.management import call_command

from bench import synthetic
from bench.management.commands.bench_search import interleave
from terms import search
from terms.models import FAQ, Provider, ProviderEquivalent, Term, UseCase
from tests.conftest import make_term


def generated(seed):
    synthetic.generate(6, seed=seed, batch=4)
    return list(Term.objects.order_by("pk").values_list("name", "definition", "aliases"))


def test_same_seed_generates_the_same_glossary(db):
    first = generated(seed=3)
    Term.objects.all().delete()
    assert generated(seed=3) == first


def test_each_term_gets_its_use_cases_faqs_and_providers(db):
    synthetic.generate(4, seed=1)
    assert UseCase.objects.count() == 12
    assert FAQ.objects.count() == 12
    assert Provider.objects.count() >= 4
    assert ProviderEquivalent.objects.count() == 16


def test_terms_can_be_added_after_generating(db):
    synthetic.generate(3, seed=1)
    assert make_term("Photon Relay").pk > max(
        Term.objects.exclude(name="Photon Relay").values_list("pk", flat=True)
    )


def test_generate_terms_command_indexes_what_it_created(db):
    call_command("generate_terms", count=3, seed=5, stdout=open("/dev/null", "w"))  # noqa: SIM115
    name = Term.objects.order_by("pk").values_list("name", flat=True).first()
    assert search.search_terms(name).ids[0] == Term.objects.get(name=name).pk


def test_bench_search_prints_every_kind_and_writes_the_urls(db, tmp_path):
    call_command("generate_terms", count=400, seed=5, stdout=io.StringIO())
    out, urls = io.StringIO(), tmp_path / "urls.txt"
    call_command("bench_search", repeat=1, pages=True, urls=str(urls), stdout=out)
    printed = out.getvalue()
    for kind in ("selective", "common", "prefix", "typo", "corrected"):
        assert f"{kind}: " in printed
    for kind in ("selective", "common", "typo"):
        assert f"{kind} page: mean" in printed
    assert all(line.startswith("/search/?q=") for line in urls.read_text().splitlines())


def test_bench_search_spreads_each_kind_of_query_over_the_url_list():
    mixed = interleave([["s1", "s2", "s3"], ["c1"], ["t1", "t2"]])
    assert mixed == ["s1", "t1", "s2", "c1", "t2", "s3"]
