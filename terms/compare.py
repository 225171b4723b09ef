"""The comparison pages' shapes: the matrix's rows, grouped by category, with the line that
answers a filtered matrix, and a service's counterparts on the other clouds."""

import re
from dataclasses import dataclass
from itertools import groupby

# `text` as a whole word: ASCII letters and digits delimit words, as in the database.
WORD = "(^|[^a-z0-9]){}([^a-z0-9]|$)"
FIRST_WORD = "{}([^a-z0-9]|$)"


@dataclass(frozen=True)
class Row:
    """A term of the matrix and its services: (provider, [ProviderEquivalent]) per column;
    `order`, its place in the unfiltered matrix."""

    term: object
    cells: list
    order: int


def matrix_rows(terms, providers):
    """A Row per term, its equivalents (prefetched) placed under their provider's column."""
    rows = []
    for order, term in enumerate(terms):
        cells = {provider.pk: [] for provider in providers}
        for equivalent in term.provider_equivalents.all():
            cells[equivalent.provider_id].append(equivalent)
        rows.append(Row(term, [(provider, cells[provider.pk]) for provider in providers], order))
    return rows


def by_category(rows):
    """[(category, [Row])] for rows already ordered by category."""
    return [
        (category, list(group))
        for category, group in groupby(rows, key=lambda row: row.term.category)
    ]


@dataclass(frozen=True)
class Answer:
    """ "Amazon S3 → Azure Blob Storage · Cloud Storage · OCI Object Storage": the service the
    reader named and what the term's other providers call it."""

    term: object
    source: object  # the ProviderEquivalent matched
    others: list  # the other providers' first ProviderEquivalent, in column order


def _match_quality(equivalent, text):
    """How well `text` names this service (lower is better), or None if it does not: the
    ranks of TermQuerySet.best_match_first."""
    wanted = text.casefold()
    service = equivalent.service.casefold()
    note = equivalent.note.casefold()
    former = [name.casefold() for name in equivalent.former_names or () if isinstance(name, str)]
    if service == wanted:
        return 0 if " " not in note else 1
    if wanted in former or re.match(FIRST_WORD.format(re.escape(wanted)), note):
        return 1
    if wanted in service or re.search(WORD.format(re.escape(wanted)), note):
        return 2
    if any(wanted in name for name in former) or wanted in note:
        return 3
    return None


def answer(row, text):
    """The Answer for the best-matching row of a filtered matrix, or None when `text` names
    none of its services (it matched the term's own name)."""
    if not text:
        return None
    found = [
        (quality, column, equivalent)
        for column, (_, cell) in enumerate(row.cells)
        for equivalent in cell
        if (quality := _match_quality(equivalent, text)) is not None
    ]
    if not found:
        return None
    _, column, source = min(found, key=lambda item: (item[0], item[1]))
    others = [cell[0] for i, (_, cell) in enumerate(row.cells) if cell and i != column]
    return Answer(row.term, source, others)


@dataclass(frozen=True)
class Counterparts:
    """One term a service implements: the service's own row for it, and each other
    provider's services for the same term (an empty list where it has none)."""

    term: object
    own: object
    others: list  # [(Provider, [ProviderEquivalent])]
    alternatives: list  # the same provider's other services for the term


def counterparts(terms, provider, slug, providers):
    """Counterparts for each of `terms` (equivalents prefetched) of the service `slug` on
    `provider`; `providers` in column order."""
    found = []
    for term in terms:
        by_provider = {p.pk: [] for p in providers}
        own = None
        for equivalent in term.provider_equivalents.all():
            if equivalent.provider_id == provider.pk and equivalent.service_slug == slug:
                own = own or equivalent
            else:
                by_provider[equivalent.provider_id].append(equivalent)
        others = [(p, by_provider[p.pk]) for p in providers if p.pk != provider.pk]
        found.append(Counterparts(term, own, others, by_provider[provider.pk]))
    # The term the service serves without a note is its home, not one use of it: first.
    return sorted(found, key=lambda c: bool(c.own.note))
