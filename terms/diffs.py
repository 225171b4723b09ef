"""Readable differences between two versions of a term: texts by word, children by item.

A version is a snapshot, {label: text or list of item texts}, built by `snapshot()` from
plain values, so a stored term and an editor's unsaved form compare alike.
"""

import re
from difflib import SequenceMatcher
from typing import NamedTuple

from terms.models import Difficulty

_WORDS = re.compile(r"\s+|[^\s]+")


class Piece(NamedTuple):
    """A run of text that both versions share ("same"), or only the old or new one has."""

    tag: str  # "same", "removed", "added"
    text: str


class ItemChange(NamedTuple):
    """An item of a list: kept, removed, added, or changed (with its words' diff)."""

    tag: str  # "same", "removed", "added", "changed"
    pieces: list


class FieldChange(NamedTuple):
    label: str
    pieces: list | None  # a text field's word diff
    items: list | None  # a list field's ItemChanges


def word_diff(old, new):
    """Pieces that turn text `old` into `new`, word by word."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def item_diff(old, new):
    """ItemChanges that turn list `old` into `new`; an item replaced in place is "changed"."""
    changes = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            changes += [ItemChange("same", [Piece("same", item)]) for item in old[i1:i2]]
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            changes.append(ItemChange("changed", word_diff(old[i1 + k], new[j1 + k])))
        changes += [ItemChange("removed", [Piece("removed", x)]) for x in old[i1 + paired : i2]]
        changes += [ItemChange("added", [Piece("added", x)]) for x in new[j1 + paired : j2]]
    return changes


def compare(old, new):
    """FieldChanges for the fields whose value differs between snapshots `old` and `new`."""
    changes = []
    for label, before in old.items():
        after = new.get(label, type(before)())
        if before == after:
            continue
        if isinstance(before, list):
            changes.append(FieldChange(label, None, item_diff(before, after)))
        else:
            changes.append(FieldChange(label, word_diff(before, after), None))
    return changes


def snapshot(
    *,
    name,
    slug,
    aliases,
    category,
    difficulty,
    definition,
    related_terms,
    see_also,
    no_equivalent_on,
    use_cases,
    equivalents,
    faqs,
):
    """A term's version for comparing: texts as they are, relations by name, children as
    dicts of their fields (a provider as its short name)."""
    return {
        "Name": name,
        "Slug": slug,
        "Aliases": list(aliases),
        "Category": str(category or ""),
        "Difficulty": Difficulty(difficulty).label if difficulty in Difficulty else difficulty,
        "Definition": definition,
        "Related terms": sorted(str(t) for t in related_terms),
        "See also": sorted(str(t) for t in see_also),
        "No equivalent on purpose": sorted(str(p) for p in no_equivalent_on),
        "Use cases": [
            f"{u['organization']}: {u['title']}. {u['description']} Outcome: {u['outcome']}"
            for u in use_cases
        ],
        "Provider equivalents": [_equivalent(e) for e in equivalents],
        "FAQs": [f"{f['question']} {f['answer']}" for f in faqs],
    }


def _equivalent(e):
    text = f"{e['provider']}: {e['service']}"
    if e.get("note"):
        text += f" ({e['note']})"
    if e.get("url"):
        text += f" {e['url']}"
    if e.get("former_names"):
        text += f" formerly {', '.join(e['former_names'])}"
    if e.get("verified_on"):
        text += f" verified {e['verified_on']}"
    return text


def stored_snapshot(term):
    """The snapshot of a stored term (read with Term.objects.with_related())."""

    def rows(children, fields):
        return [{name: getattr(child, name) for name in fields} for child in children]

    return snapshot(
        name=term.name,
        slug=term.slug,
        aliases=term.aliases,
        category=term.category,
        difficulty=term.difficulty,
        definition=term.definition,
        related_terms=term.related_terms.all(),
        see_also=term.see_also.all(),
        no_equivalent_on=term.no_equivalent_on.all(),
        use_cases=rows(term.use_cases.all(), ["organization", "title", "description", "outcome"]),
        equivalents=rows(
            term.provider_equivalents.all(),
            ["provider", "service", "note", "url", "former_names", "verified_on"],
        ),
        faqs=rows(term.faqs.all(), ["question", "answer"]),
    )
