"""The change log: one row per term whose API representation a write batch changed.

Every outermost write batch (terms.writing.batch()) ends by calling `record()` inside its
transaction: each term it created, changed, published, unpublished, trashed or deleted gets
one Change, numbered by the log's own sequence (`Change.id`), which the sync feed
(terms.api_sync) hands out in its tokens. Receivers that `subscribe()` (webhooks) get the
rows of each batch inside its transaction, once they are written: what a receiver writes
commits with the change or not at all, and what is to follow the commit it hands to
`transaction.on_commit`.
"""

import threading
from itertools import batched

from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

from terms.compiled import Compiled
from terms.querysets import Status

# Ids per query: SQLite limits the parameters of one statement.
CHUNK = 1000


class Kind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"
    DELETED = "deleted", "Deleted"


class Change(models.Model):
    Kind = Kind

    id = models.BigAutoField(primary_key=True)  # the sequence sync tokens carry
    # Not a foreign key: the row outlives a permanent delete of its term.
    term_id = models.BigIntegerField()
    slug = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind)
    at = models.DateTimeField()
    # Whether anonymous readers see the term after this change, and saw it before: a
    # change to a term they never saw is not theirs to hear about.
    visible = models.BooleanField()
    was_visible = models.BooleanField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["term_id", "-id"], name="change_term_latest_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="change_kind_valid"),
        ]

    def __str__(self):
        return f"#{self.id} {self.kind} {self.slug}"

    @property
    def public(self):
        """Whether anonymous readers are concerned by this change."""
        return self.visible or self.was_visible


_receivers = []
_state = threading.local()


def subscribe(receiver):
    """Call `receiver(changes)` with the Change rows of each write batch, inside its
    transaction: a receiver that raises rolls the batch back."""
    if receiver not in _receivers:
        _receivers.append(receiver)


def unsubscribe(receiver):
    if receiver in _receivers:
        _receivers.remove(receiver)


def note_created(pk):
    """A term was inserted (post_save): logged as created when its batch ends."""
    _noted("created").add(pk)


def note_changed(pks):
    """Terms whose API representation changed through another's write (a link rendered
    again, a renamed category): logged as changed when the batch ends."""
    _noted("changed").update(pks)


def note_neighbours(pks):
    """The terms that list any of `pks` among their related terms or see also."""
    from terms.models import Term

    related, see_also = Term.related_terms.through, Term.see_also.through
    for chunk in batched(sorted(pks), CHUNK):
        note_changed(
            related.objects.filter(from_term_id__in=chunk).values_list("to_term_id", flat=True)
        )
        note_changed(
            see_also.objects.filter(to_term_id__in=chunk).values_list("from_term_id", flat=True)
        )


def note_deleting(term):
    """Before a term is deleted for good (pre_delete): what readers last saw of it, and the
    terms whose lists name it (its relations go with it)."""
    _noted("deleting")[term.pk] = (term.slug, _visible(term), term.deleted_at is not None)
    if term.deleted_at is None:
        note_neighbours([term.pk])


def _noted(name):
    """What signals noted since the last record(): pks `created` and `changed`, and
    {pk: (slug, visible, trashed)} `deleting`."""
    if getattr(_state, name, None) is None:
        setattr(_state, name, {} if name == "deleting" else set())
    return getattr(_state, name)


def _take(name):
    noted = _noted(name)
    setattr(_state, name, None)
    return noted


def _visible(term, now=None):
    """Whether readers see `term` (querysets.published_q for one row), trash aside."""
    now = now or timezone.now()
    return term.status == Status.PUBLISHED or (
        term.publish_at is not None and term.publish_at <= now
    )


def latest(term_ids):
    """{term id: its latest Change} for those of `term_ids` that have one."""
    found = {}
    for chunk in batched(sorted(term_ids), CHUNK):
        newest = (
            Change.objects.filter(term_id__in=chunk)
            .values("term_id")
            .annotate(newest=Max("id"))
            .values("newest")
        )
        found.update((c.term_id, c) for c in Change.objects.filter(id__in=newest))
    return found


def record(created, changed, now=None):
    """Write the log rows of a batch that created terms `created` and changed `changed`
    (pks), with what signals and renders noted since the last call, as changed at `now`;
    move those terms' change stamps; return the rows. Call inside the batch's transaction,
    once its own writes are done."""
    from terms.models import Term

    deleting = _take("deleting")
    created = set(created) | _take("created")
    changed = set(changed) | _take("changed")
    pks = created | changed | set(deleting)
    if not pks:
        return []
    now = now or timezone.now()
    last = latest(pks)
    stored = {}
    for chunk in batched(sorted(pks), CHUNK):
        rows = Term.everything.filter(pk__in=chunk).only(
            "slug", "status", "publish_at", "deleted_at"
        )
        stored.update((term.pk, term) for term in rows)
    rows = []
    for pk in sorted(pks):
        before = last.get(pk)
        term = stored.get(pk)
        if term is None:  # deleted for good
            if pk not in deleting or (before and before.kind == Change.Kind.DELETED):
                continue  # a delete of a term in the trash: readers lost it then
            slug, was_visible, trashed = deleting[pk]
            if before is None and trashed:
                continue  # in the trash before the log began
            if before:
                was_visible = before.visible
            rows.append(_row(pk, slug, Change.Kind.DELETED, now, False, was_visible))
            continue
        visible = term.deleted_at is None and _visible(term, now)
        # Terms older than the log: the state before this batch is taken to be the present one.
        was_visible = before.visible if before else _visible(term, now)
        if term.deleted_at is not None:
            if before and before.kind == Change.Kind.DELETED:
                continue  # already gone for readers; a second trash or a delete adds nothing
            if before is None and pk not in changed:
                continue  # in the trash before the log began
            kind = Change.Kind.DELETED
        elif pk in created or (before and before.kind == Change.Kind.DELETED):
            kind = Change.Kind.CREATED  # new, or back from the trash
            was_visible = False
        elif visible != was_visible:
            kind = Change.Kind.PUBLISHED if visible else Change.Kind.UNPUBLISHED
        else:
            kind = Change.Kind.UPDATED
        rows.append(_row(pk, term.slug, kind, now, visible, was_visible))
    rows = Change.objects.bulk_create(rows, batch_size=CHUNK)
    for chunk in batched(sorted(c.term_id for c in rows if c.kind != Kind.DELETED), CHUNK):
        Term.everything.filter(pk__in=chunk).update(changed_at=now)
    for receiver in _receivers if rows else ():
        receiver(rows)
    return rows


def _row(pk, slug, kind, at, visible, was_visible):
    return Change(term_id=pk, slug=slug, kind=kind, at=at, visible=visible, was_visible=was_visible)


# ---------------------------------------------------------------------------- HTTP


def _newest(public):
    log = Change.objects.filter(Q(visible=True) | Q(was_visible=True)) if public else Change.objects
    return log.order_by("-id").only("at")[:1]


# Asked on every term page and API list miss: compiled once (terms.compiled).
_newest_public = Compiled(lambda: _newest(True))
_newest_any = Compiled(lambda: _newest(False))


def latest_at(public=True):
    """When the newest change that readers (`public`) or editors see was made, or None."""
    found = (_newest_public if public else _newest_any)()
    return found[0].at if found else None


def last_modified(stamps):
    """The Last-Modified of a representation whose newest change is the newest of `stamps`:
    None while that second lasts, as HTTP dates have whole seconds and a second change
    within it would then be answered 304 to a client holding the first."""
    newest = max((stamp for stamp in stamps if stamp is not None), default=None)
    if newest is None or int(newest.timestamp()) >= int(timezone.now().timestamp()):
        return None
    return newest
