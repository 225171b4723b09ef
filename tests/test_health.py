"""Content health: terms that miss what readers expect, counted and listed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from terms import health
from terms.models import FAQ, Provider, ProviderEquivalent, Term
from tests.conftest import make_term

pytestmark = pytest.mark.django_db


def complete_term(name, **fields):
    """A term with everything readers expect: FAQs, a service on every provider, checked
    lately, a related term and an alias."""
    fields.setdefault("aliases", [f"{name} alias"])
    term = make_term(name, children=Provider.objects.count(), **fields)
    term.provider_equivalents.update(verified_on=timezone.localdate())
    term.related_terms.add(make_term(f"{name} neighbour", aliases=["N"]))
    return term


def problems_of(term):
    return {key for key in health.PROBLEMS if Term.objects.with_problem(key).filter(pk=term.pk)}


def test_a_complete_term_has_no_problem(db):
    assert problems_of(complete_term("Complete")) == set()


def test_a_bare_term_has_every_problem_but_broken_links(db):
    bare = make_term("Bare", definition="Bare says little. Nothing more.")
    ProviderEquivalent.objects.create(term=bare, provider=Provider.objects.first(), service="X")
    assert problems_of(bare) == set(health.PROBLEMS) - {"broken-links"}


def test_a_provider_marked_as_having_none_is_not_missing(db):
    term = complete_term("Partly covered")
    oci = Provider.objects.get(slug="oci")
    term.provider_equivalents.filter(provider=oci).delete()
    assert "missing-equivalents" in problems_of(term)
    term.no_equivalent_on.add(oci)
    assert "missing-equivalents" not in problems_of(term)


@pytest.mark.parametrize(("days_ago", "stale"), [(None, True), (400, True), (30, False)])
def test_equivalents_need_checking_within_a_year(db, days_ago, stale):
    term = complete_term("Checked")
    verified = None if days_ago is None else timezone.localdate() - datetime.timedelta(days_ago)
    term.provider_equivalents.filter(pk=term.provider_equivalents.first().pk).update(
        verified_on=verified
    )
    assert ("unverified-equivalents" in problems_of(term)) is stale


def test_a_name_with_an_abbreviation_counts_as_an_alias(db):
    term = complete_term("Large Language Model (LLM)", aliases=[])
    assert "no-aliases" not in problems_of(term)


def test_a_link_to_no_term_is_broken_in_a_definition_or_an_answer(db):
    complete_term("Target")
    fine = complete_term("Fine", definition="Fine links to [[Target]]. Good.")
    in_definition = complete_term("In definition", definition="See [[Nowhere]]. Sad.")
    in_answer = complete_term("In answer")
    FAQ.objects.filter(term=in_answer).update(answer="Read [[Nowhere either]].")
    broken = set(Term.objects.with_problem("broken-links"))
    assert broken == {in_definition, in_answer}
    assert fine not in broken


def test_counts_agree_with_the_lists_in_four_queries(db, django_assert_max_num_queries):
    complete_term("Complete")
    make_term("Bare", definition="Bare links to [[Nowhere]]. Yes.")
    make_term("Also bare")
    # The aggregate, the texts holding [[links]], and the link index: its generation, and
    # its rows (kept per process outside a test's transaction).
    with django_assert_max_num_queries(4):
        counts = Term.objects.problem_counts()
    assert counts == {key: Term.objects.with_problem(key).count() for key in health.PROBLEMS}
    assert counts["broken-links"] == 1


# The admin


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_health_page_counts_each_problem_and_links_its_list(
    editor_client, django_assert_max_num_queries
):
    complete_term("Complete")
    for i in range(5):
        make_term(f"Bare {i}")
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("admin:terms_term_health"))
    assert response.status_code == 200
    no_faq = next(p for p in response.context["problems"] if p["label"] == "No FAQ")
    assert no_faq["count"] == 6  # the five bare terms and the complete one's neighbour
    assert no_faq["url"] in response.content.decode()


def test_health_page_is_linked_from_the_term_list(editor_client):
    response = editor_client.get(reverse("admin:terms_term_changelist"))
    assert reverse("admin:terms_term_health").encode() in response.content


def test_health_page_needs_the_view_permission(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="x-s3cret!", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:terms_term_health")).status_code == 403


def test_changelist_filters_by_a_problem(editor_client, django_assert_max_num_queries):
    complete = complete_term("Complete")
    bare = make_term("Bare")
    url = reverse("admin:terms_term_changelist")
    with django_assert_max_num_queries(15):
        response = editor_client.get(url, {"health": "no-faq"})
    listed = set(response.context["cl"].result_list)
    assert bare in listed
    assert complete not in listed


def test_health_page_is_linked_from_the_admin_index(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert reverse("admin:terms_term_health").encode() in response.content
