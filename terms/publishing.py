"""The editorial workflow: submit for review, publish, unpublish, schedule, and the draft of
a published term's next version; signed preview links.

Every change of status is a write of the term through terms.writing (one batch, its
version counted up, links to it rendered again); who may make it is checked by the callers
(admin, API) with terms.roles.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from terms import importers, textformat, writing
from terms.drafts import DraftStatus, TermDraft
from terms.models import Status, Term

PREVIEW_SALT = "terms.preview"


class WorkflowError(Exception):
    """A step the term's state does not allow, or a draft that does not import."""


def submit(term, by=None):
    """Ask for review: of the pending draft of the next version if there is one, else of the
    unpublished term itself."""
    draft = pending_draft(term)
    if draft is not None:
        draft.status = DraftStatus.REVIEW
        draft.save(update_fields=["status", "updated_at"])
        return
    if term.status == Status.PUBLISHED:
        raise WorkflowError(f"“{term}” is already published; start a draft of its next version.")
    with writing.batch(by=by):
        writing.replace_term(term, {"status": Status.REVIEW})


def publish(term, by=None):
    """Make the term live now: its pending draft applied first, if it has one."""
    with transaction.atomic(), writing.batch(by=by):
        draft = pending_draft(term)
        if draft is not None:
            _apply(draft)
            term.refresh_from_db()
        if term.status != Status.PUBLISHED or term.publish_at is not None:
            fields = {"status": Status.PUBLISHED, "publish_at": None}
            if term.status != Status.PUBLISHED:
                fields["published_at"] = timezone.now()
            writing.replace_term(term, fields)


def unpublish(term, by=None):
    """Take the term off the site: a draft again, its schedule cleared."""
    with writing.batch(by=by):
        writing.replace_term(
            term, {"status": Status.DRAFT, "publish_at": None, "published_at": None}
        )


def schedule(term, when, by=None):
    """Publish at `when`: the pending draft if there is one, else the unpublished term."""
    if when <= timezone.now():
        raise WorkflowError("Choose a time in the future, or publish now.")
    draft = pending_draft(term)
    if draft is not None:
        draft.publish_at = when
        draft.save(update_fields=["publish_at", "updated_at"])
        return
    if term.status == Status.PUBLISHED:
        raise WorkflowError(f"“{term}” is already published.")
    with writing.batch(by=by):
        writing.replace_term(term, {"publish_at": when})


def publish_due(by=None):
    """Publish every term and draft whose time has come; returns (names published,
    {name: why not} for drafts that do not import). Running it again publishes nothing
    more; a draft that fails stays scheduled, and the others are published."""
    now = timezone.now()
    published, failed = [], {}
    for term in Term.objects.due().order_by("pk"):
        publish(term, by=by)
        published.append(term.name)
    drafts = TermDraft.objects.filter(publish_at__lte=now).select_related("term").order_by("pk")
    for draft in drafts:
        try:
            publish(draft.term, by=by)
        except WorkflowError as exc:
            failed[draft.term.name] = str(exc)
        else:
            published.append(draft.term.name)
    return published, failed


# ---------------------------------------------------------------------------- drafts


def pending_draft(term):
    return TermDraft.objects.filter(term=term).first()


def start_draft(term, by=None):
    """The draft of a published term's next version, begun as a copy of the live one."""
    draft = pending_draft(term)
    if draft is None:
        live = Term.objects.with_related().get(pk=term.pk)
        draft = TermDraft.objects.create(
            term=term, text=importers.export_term(live), created_by=by, updated_by=by
        )
    return draft


def parse_draft(text, term):
    """The draft's Entry; raise WorkflowError with every problem, by line."""
    try:
        return textformat.parse(text, f"draft of {term.slug}")
    except (textformat.ParseError, textformat.ParseErrors) as exc:
        raise WorkflowError(str(exc)) from None


def _apply(draft):
    """Write the draft over its term; the draft is then gone."""
    publish_draft_text(draft)
    draft.delete()


def publish_draft_text(draft):
    """Write the draft's text over its term: the importer's checks, the one write path."""
    entry = parse_draft(draft.text, draft.term)
    try:
        with writing.batch():
            importers.apply_entry(draft.term, entry)
    except importers.ImportFailed as exc:
        raise WorkflowError("; ".join(exc.errors)) from None


# ---------------------------------------------------------------------------- preview


def preview_token(term):
    """A signed token for a preview link to `term`: expires after PREVIEW_MAX_AGE seconds."""
    return signing.TimestampSigner(salt=PREVIEW_SALT).sign(str(term.pk))


def previewed_pk(token):
    """The term pk a preview token names; raise signing.BadSignature when it is forged or
    expired (SignatureExpired)."""
    value = signing.TimestampSigner(salt=PREVIEW_SALT).unsign(
        token, max_age=settings.PREVIEW_MAX_AGE
    )
    return int(value)
