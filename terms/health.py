"""Content health: terms that miss what readers expect of an entry.

Each problem is a condition on terms; `counts()` gives how many terms have each, and
`Term.objects.with_problem(key)` lists them (the admin's page and changelist filter).
"""

import datetime
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from terms import linking
from terms.models import FAQ, Provider, ProviderEquivalent, Term
from terms.rendering import missing_links

# A mapping checked longer ago than this may name a renamed or retired service.
VERIFIED_WITHIN = datetime.timedelta(days=365)


def _no_faq():
    return ~Exists(FAQ.objects.filter(term=OuterRef("pk")))


def _missing_equivalent():
    # A provider with no service for the term, and not marked as having none on purpose.
    covered = ProviderEquivalent.objects.filter(
        term=OuterRef(OuterRef("pk")), provider=OuterRef("pk")
    )
    excused = Term.no_equivalent_on.through.objects.filter(
        term_id=OuterRef(OuterRef("pk")), provider_id=OuterRef("pk")
    )
    return Exists(Provider.objects.filter(~Exists(covered), ~Exists(excused)))


def _no_related():
    related = Term.related_terms.through.objects.filter(from_term=OuterRef("pk"))
    return ~Exists(related)


def _no_aliases():
    # "Large Language Model (LLM)" is found as "LLM" too (rendering.implied_aliases).
    return Q(aliases=[]) & ~(Q(name__endswith=")") & Q(name__contains="("))


def _unverified():
    cutoff = timezone.localdate() - VERIFIED_WITHIN
    stale = Q(verified_on__isnull=True) | Q(verified_on__lt=cutoff)
    return Exists(ProviderEquivalent.objects.filter(stale, term=OuterRef("pk")))


def broken_link_ids():
    """Ids of terms whose definition or FAQ answers hold a [[link]] that matches no term.

    Unresolved links leave no trace in the stored HTML, so the texts that hold a [[ are
    read (one query) and checked against the link index, as the admin's warning does.
    """
    index, _ = linking.link_index()
    texts = (
        Term.objects.filter(Q(definition__contains="[[") | Q(faqs__answer__contains="[["))
        .order_by()
        .values_list("pk", "definition", "faqs__answer")
    )
    broken = set()
    for pk, definition, answer in texts:
        if pk not in broken and any(
            text and missing_links(text, index) for text in (definition, answer)
        ):
            broken.add(pk)
    return broken


def _broken_links():
    return Q(pk__in=broken_link_ids())


class Problem(NamedTuple):
    key: str
    label: str
    description: str
    condition: object  # () -> a Q or boolean expression on Term

    def filter(self, terms):
        return terms.filter(self.condition())


PROBLEMS = {
    problem.key: problem
    for problem in [
        Problem("no-faq", "No FAQ", "Readers get no answers to the usual questions.", _no_faq),
        Problem(
            "missing-equivalents",
            "Missing provider equivalents",
            "A provider has no service listed, and the term does not say it has none on purpose.",
            _missing_equivalent,
        ),
        Problem("no-related", "No related terms", "A dead end: nothing to read next.", _no_related),
        Problem("no-aliases", "No aliases", "Searches for another name miss it.", _no_aliases),
        Problem(
            "broken-links",
            "Broken [[links]]",
            "Its definition or an answer links to a name no term has.",
            _broken_links,
        ),
        Problem(
            "unverified-equivalents",
            "Equivalents not verified this year",
            "An equivalent was never verified, or last verified over a year ago.",
            _unverified,
        ),
    ]
}


def counts(terms):
    """{problem key: how many of `terms` have it}, in one aggregate query (and the one
    read of texts with [[links]])."""
    return terms.order_by().aggregate(
        **{key: Count("pk", filter=problem.condition()) for key, problem in PROBLEMS.items()}
    )
