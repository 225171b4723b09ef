"""A term's version stamp: refusing a write made from a copy older than what is stored.

Every write batch (terms.writing.batch()) counts the version of each term it changed up
by one, children and relations included, and records who changed it. The admin form
carries the version it was opened at; API responses carry it in the ETag, and If-Match
sends it back. A write whose version is no longer the stored one is refused, so two
editors cannot silently overwrite each other.
"""

from dataclasses import dataclass
from datetime import datetime
from itertools import batched

from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.cache import parse_etags

from terms.models import ContentGeneration, Term

# Ids per UPDATE: SQLite limits the parameters of one statement.
CHUNK = 1000


@dataclass(frozen=True)
class Stamp:
    """A term's stored version and its last change."""

    pk: int
    version: int
    updated_at: datetime
    updated_by: str  # a username, or "" for imports and scripts


class VersionConflict(Exception):
    """The term changed since the copy the write was made from."""

    def __init__(self, current):
        self.current = current
        super().__init__(changed_since_message(current))


def bump(pks, by=None, *, written=None, now=None):
    """Count these terms' versions up by one, as changed by user `by` (None: no one). Terms
    in `written` ({pk: created}, each also in `pks`) get `now` as their updated_at, and as
    their created_at when created: one UPDATE per chunk of terms for all of it."""
    by_id = getattr(by, "pk", None)
    written = written or {}
    # A chunk's ids may be named three times (the chunk, written ones, created ones).
    size = min(CHUNK, (connection.features.max_query_params or 3 * CHUNK) // 3)
    for chunk in batched(sorted(pks), size):
        fields = {"version": F("version") + 1, "updated_by_id": by_id}
        stamped = [pk for pk in chunk if pk in written]
        created = [pk for pk in stamped if written[pk]]
        for field, which in (("updated_at", stamped), ("created_at", created)):
            if len(which) == len(chunk):
                fields[field] = now
            elif which:
                fields[field] = Case(When(pk__in=which, then=Value(now)), default=F(field))
        Term.everything.filter(pk__in=chunk).update(**fields)


def stamp(pk, *, lock=False):
    """The stored Stamp of term `pk`, or None. `lock` holds its row until the transaction
    ends, so no other write can slip in between the check and the write."""
    terms = Term.everything.filter(pk=pk)
    if lock:
        terms = terms.select_for_update(of=("self",))
    row = terms.values_list("pk", "version", "updated_at", "updated_by__username").first()
    return Stamp(row[0], row[1], row[2], row[3] or "") if row else None


def check(pk, opened_version):
    """Raise VersionConflict unless term `pk` is still at `opened_version`; call it inside
    the write's transaction, which then holds the term until it commits."""
    current = stamp(pk, lock=True)
    if current is not None and current.version != opened_version:
        raise VersionConflict(current)
    return current


def changed_since_message(current):
    who = current.updated_by or "an import or script"
    when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
    return f"This term was changed by {who} at {when} since you opened it."


# ---------------------------------------------------------------------------- HTTP


def etag(pk, version, representation="json"):
    """The ETag of a term's representation: its version, and the content generation, as
    its text also shows other terms (their names, links to them) that may have changed."""
    generation = ContentGeneration.objects.current() or 0
    suffix = "" if representation == "json" else f".{representation}"
    return f'"{pk}.{version}.{generation}{suffix}"'


ANY = "*"


def versions_in(if_match):
    """The (pk, version) pairs an If-Match header names, or ANY; tags that are not ours name
    none. A tag weakened by a compressing proxy (W/) still names its version."""
    tags = parse_etags(if_match)
    if tags == [ANY]:
        return ANY
    pairs = set()
    for tag in tags:
        parts = tag.removeprefix("W/").strip('"').split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            pairs.add((int(parts[0]), int(parts[1])))
    return pairs


def if_match_passes(if_match, current):
    """Whether an If-Match header names `current` (a Stamp), the term as stored."""
    named = versions_in(if_match)
    return named == ANY or (current.pk, current.version) in named
