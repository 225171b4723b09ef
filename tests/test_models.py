import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from terms.models import FAQ, Category, Provider, ProviderEquivalent, Term, UseCase
from tests.conftest import make_category, make_term

pytestmark = pytest.mark.django_db


def violates(constraint, create):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        create()


# PostgreSQL names every failing constraint; SQLite names CHECK constraints and expression
# indexes but reports a plain UNIQUE constraint by its columns.


def test_term_name_is_unique_ignoring_case():
    make_term("Load Balancer")
    violates("term_name_ci_unique", lambda: make_term("load balancer", slug="lb"))


def test_term_difficulty_must_be_a_known_level():
    violates("term_difficulty_valid", lambda: make_term(difficulty="expert"))


def test_term_slug_cannot_be_blank():
    term = make_term()
    violates("term_slug_not_empty", lambda: Term.objects.filter(pk=term.pk).update(slug=""))


def test_term_name_cannot_be_blank():
    term = make_term()
    violates("term_name_not_empty", lambda: Term.objects.filter(pk=term.pk).update(name=""))


def test_category_name_is_unique_ignoring_case():
    make_category("compute", "Compute")
    violates("category_name_ci_unique", lambda: Category.objects.create(name="COMPUTE", slug="c"))


def test_category_slug_cannot_be_blank():
    violates("category_slug_not_empty", lambda: Category.objects.create(name="Misc", slug=""))


def test_provider_short_name_is_unique_ignoring_case():
    violates(
        "provider_short_name_ci_unique",
        lambda: Provider.objects.create(name="Another", short_name="aws", slug="aws2"),
    )


def test_equivalent_service_is_unique_per_term_and_provider_ignoring_case():
    term = make_term()
    aws = Provider.objects.get(slug="aws")
    ProviderEquivalent.objects.create(term=term, provider=aws, service="Amazon S3")
    violates(
        "equivalent_service_unique",
        lambda: ProviderEquivalent.objects.create(term=term, provider=aws, service="amazon s3"),
    )


def test_equivalent_service_cannot_be_blank():
    aws = Provider.objects.get(slug="aws")
    violates(
        "equivalent_service_not_empty",
        lambda: ProviderEquivalent.objects.create(term=make_term(), provider=aws, service=""),
    )


def test_faq_question_is_unique_per_term():
    term = make_term()
    FAQ.objects.create(term=term, question="Why?", answer="Because.")
    violates(
        "faq_question_unique|terms_faq.term_id, terms_faq.question",
        lambda: FAQ.objects.create(term=term, question="Why?", answer="So."),
    )


def test_faq_needs_question_and_answer():
    violates(
        "faq_question_answer_not_empty",
        lambda: FAQ.objects.create(term=make_term(), question="Why?", answer=""),
    )


def test_use_case_needs_organization_and_title():
    violates(
        "usecase_org_title_not_empty",
        lambda: UseCase.objects.create(
            term=make_term(), organization="", title="T", description="D", outcome="O"
        ),
    )


def test_category_in_use_cannot_be_deleted():
    term = make_term()
    with pytest.raises(ProtectedError):
        term.category.delete()


def test_provider_in_use_cannot_be_deleted():
    make_term(children=1)
    with pytest.raises(ProtectedError):
        Provider.objects.get(slug="aws").delete()


def test_four_providers_exist_in_column_order():
    assert list(Provider.objects.values_list("short_name", flat=True)) == [
        "AWS",
        "Azure",
        "GCP",
        "OCI",
    ]


def test_slug_defaults_to_slugified_name():
    term = make_term("Retrieval-Augmented Generation (RAG)")
    assert term.slug == "retrieval-augmented-generation-rag"
    assert term.get_absolute_url() == "/terms/retrieval-augmented-generation-rag/"


def test_saving_renders_definition_and_summary():
    term = make_term(definition="A **bold** start. Then more.\n\n<script>alert(1)</script>")
    assert "<strong>bold</strong>" in term.definition_html
    assert "<script>" not in term.definition_html
    assert term.summary == "A bold start."


def test_related_terms_are_symmetrical_and_see_also_is_not():
    a, b = make_term("A"), make_term("B")
    a.related_terms.add(b)
    a.see_also.add(b)
    assert list(b.related_terms.all()) == [a]
    assert not b.see_also.exists()


def test_with_related_loads_any_number_of_terms_in_constant_queries(django_assert_num_queries):
    for i in range(12):
        term = make_term(f"T{i}", children=3)
        term.related_terms.add(Term.objects.first())
    with django_assert_num_queries(6):
        for term in Term.objects.with_related():
            _ = term.category.name
            _ = [e.provider.short_name for e in term.provider_equivalents.all()]
            _ = [*term.use_cases.all(), *term.faqs.all()]
            _ = [*term.related_terms.all(), *term.see_also.all()]


@pytest.mark.parametrize(
    "model", [Category, Provider, Term, UseCase, ProviderEquivalent, FAQ], ids=lambda m: m.__name__
)
def test_every_model_has_a_readable_str(model):
    make_term("Model Training", children=1)
    assert str(model.objects.first())


def test_start_here_takes_beginner_terms_most_mentioned_first_up_to_the_limit():
    basics = [make_term(f"Basic {i}", category="storage") for i in range(4)]
    make_term("Deep Dive", category="storage", difficulty="advanced")
    make_term("Gateway Basics", category="networking")
    mentioning = make_term("Mentioner", category="compute", difficulty="advanced")
    mentioning.mentions.add(basics[3])
    picked = [
        (t.category.slug, t.name) for t in Term.objects.summaries().start_here(per_category=3)
    ]
    assert picked == [
        ("networking", "Gateway Basics"),
        ("storage", "Basic 3"),
        ("storage", "Basic 0"),
        ("storage", "Basic 1"),
    ]


def test_changed_since_first_load_leaves_out_terms_the_first_import_left_alone(sample):
    from terms import writing

    assert not Term.objects.changed_since_first_load().exists()
    term = Term.objects.get(slug="kubernetes")
    writing.replace_term(term, {"aliases": ["K8s"]})
    assert list(Term.objects.changed_since_first_load()) == [term]


@pytest.mark.parametrize(
    ("constraint", "create"),
    [
        ("term_slug_ci_unique", lambda: make_term("Other", slug="Load-Balancer")),
        (
            "category_slug_ci_unique",
            lambda: Category.objects.create(name="Other", slug="Load-Balancer"),
        ),
        (
            "provider_slug_ci_unique",
            lambda: Provider.objects.create(name="Other", short_name="O", slug="Load-Balancer"),
        ),
    ],
)
def test_slugs_are_unique_ignoring_case(constraint, create):
    make_term("Load Balancer")
    make_category("load-balancer", "Load Balancers")
    Provider.objects.create(name="LB Cloud", short_name="LB", slug="load-balancer")
    violates(constraint, create)


def test_migration_lowercases_stored_slugs():
    import importlib

    from django.apps import apps

    term = make_term("Mixed Case")
    Term.objects.filter(pk=term.pk).update(slug="Mixed-Case")

    importlib.import_module("terms.migrations.0016_slugs_lowercase").lowercase_slugs(apps, None)

    term.refresh_from_db()
    assert term.slug == "mixed-case"
