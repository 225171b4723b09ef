"""Links between terms, kept current: each definition and FAQ answer is rendered with the
link index, the terms a definition links to are stored as its `mentions`, and the terms
that link to one whose name, URL or summary changed are rendered again.

Changes come in batches (terms.writing.batch()): signals note what each save and delete
changed, and the end of the batch renders every noted term once, with one index. The index
is kept per process, keyed by the content generation: a batch's own changes are applied to
it, and it is loaded again only when another process changed the content.
"""

import threading
from contextlib import contextmanager
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from terms import changes
from terms.models import FAQ, ContentGeneration, Status, Term
from terms.rendering import (
    LinkIndex,
    NameMatcher,
    first_sentence,
    implied_aliases,
    render_answer,
    render_definition,
    wiki_link_names,
)

# Up to this many changed names, the terms mentioning them are found by the database
# (one LIKE each); more are looked for in one pass over the texts in Python.
FEW_NAMES = 20

_state = threading.local()
_cached = (None, None)  # (generation, LinkIndex): this process's index of committed content


class LinkState(NamedTuple):
    """What other terms' links to a term depend on."""

    name: str
    slug: str
    summary: str
    aliases: tuple
    # Public pages link only to published terms: publishing one renders its mentions again.
    # The stored status, not the time: a scheduled term becomes linked when
    # publish_scheduled marks it published, a change this state then sees.
    public: bool = True

    @property
    def names(self):
        return {self.name, *self.aliases, *implied_aliases(self.name)}

    def row(self, pk):
        """The term as a LinkIndex row."""
        return pk, self.name, self.slug, self.summary, list(self.aliases)


def _stored_state(pk):
    fields = ("name", "slug", "summary", "aliases", "status", "publish_at")
    found = Term.objects.filter(pk=pk).only(*fields).first()
    return _state_of(found, found.summary) if found else None


def _state_of(term, summary=None):
    """The link state `term` has once rendered."""
    return LinkState(
        term.name,
        term.slug,
        summary if summary is not None else first_sentence(term.definition),
        tuple(term.aliases or ()),
        term.status == Status.PUBLISHED,
    )


def load_index():
    """A LinkIndex of every published term, as the database holds them now: links to the
    others are left as plain text."""
    terms = Term.objects.filter(status=Status.PUBLISHED)
    rows = terms.values_list("id", "name", "slug", "summary", "aliases")
    return LinkIndex(list(rows))


def link_index():
    """(the LinkIndex of the content as this transaction sees it, its generation)."""
    global _cached
    generation = ContentGeneration.objects.current()
    cached = _cached
    if cached[1] is not None and generation is not None and cached[0] == generation:
        return cached[1], generation
    index = load_index()
    # Inside a transaction the rows may hold changes that are rolled back later.
    if generation is not None and not connection.in_atomic_block:
        _cached = (generation, index)
    return index, generation


def _adopt(generation, index):
    global _cached
    _cached = (generation, index)


def forget_index():
    """Drop this process's index (the content generation no longer tells it apart, as after
    a database is emptied or restored)."""
    _adopt(None, None)


# ---------------------------------------------------------------------------- batches


class _Batch:
    def __init__(self):
        self.saved = {}  # pk: Term, as last saved
        self.answers = set()  # pks of terms whose FAQ answers changed
        self.faqs = {}  # pk: FAQ, as last saved (its answer_html is set too)
        self.deleted = {}  # pk: (LinkState, ids of the terms that linked to it)
        self.pending = None  # (generation, index) once flushed

    def __bool__(self):
        return bool(self.saved or self.answers or self.deleted)


def _batch():
    if getattr(_state, "batch", None) is None:
        _state.batch = _Batch()
        _state.depth = 0
        _state.before = {}
    return _state.batch


@contextmanager
def deferred():
    """Note changes and render once, when the outermost block exits."""
    _batch()
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
    if _state.depth == 0 and not (connection.in_atomic_block and connection.needs_rollback):
        flush(_state.batch)


def settle():
    """After the batch's change was counted: keep its index for the next batch, once the
    transaction commits, unless another change was counted in between."""
    batch = getattr(_state, "batch", None)
    if batch is None or _state.depth:
        return
    _state.batch = None
    if batch.pending is None:
        return
    generation, index = batch.pending
    if generation is not None and ContentGeneration.objects.current() == generation + 1:
        transaction.on_commit(lambda: _adopt(generation + 1, index))


def remember(term):
    """Before a term is saved: keep the link state it had (pre_save)."""
    if term.pk and term.pk not in _before():
        _before()[term.pk] = _stored_state(term.pk)


def _before():
    _batch()
    return _state.before


def note_saved(term):
    _batch().saved[term.pk] = term


def note_answers(term_id):
    _batch().answers.add(term_id)


def note_faq(faq):
    note_answers(faq.term_id)
    _batch().faqs[faq.pk] = faq


def note_deleting(term):
    """Before a term is deleted: who links to it, and by which names (pre_delete)."""
    mentioned_by = list(term.mentioned_in.values_list("pk", flat=True))
    _batch().deleted[term.pk] = (_state_of(term), mentioned_by)


# ---------------------------------------------------------------------------- rendering


def flush(batch):
    """Render what the batch changed, once, and the terms that link to it."""
    if not batch:
        return
    index, generation = link_index()
    after = {pk: _state_of(term) for pk, term in batch.saved.items()}
    before = {pk: _state.before.pop(pk, None) for pk in batch.saved}
    hidden = [pk for pk, state in after.items() if not state.public]
    index = index.with_changes(
        [state.row(pk) for pk, state in after.items() if state.public],
        removed_ids=[*batch.deleted, *hidden],
    )
    _render_terms(list(batch.saved.values()), index)
    _render_answers(set(batch.saved) | batch.answers, index, saved=batch.faqs)
    changed = {pk: (before[pk], after[pk]) for pk in after if before[pk] != after[pk]}
    changed.update((pk, (state, None)) for pk, (state, _) in batch.deleted.items())
    if changed:
        # Their names and slugs show in the related terms and see-also lists of others.
        changes.note_neighbours(changed)
        _refresh_dependents(changed, batch, index)
    batch.pending = (generation, index)


def _render_terms(terms, index):
    """Render these saved terms' definitions and store what each mentions."""
    if not terms:
        return
    mentions = {}
    for term in terms:
        term.definition_html, mentions[term.pk] = render_definition(term.definition, index, term)
        term.summary = first_sentence(term.definition)
    _store(Term, terms, ["definition_html", "summary"])
    _store_mentions(mentions)


def _store(model, objects, fields):
    """Write these fields of these objects, without touching anything else (updated_at
    stays). Raw executemany: bulk_update's CASE per row was most of an import of 10,000
    entries (target: ≤ 60 s)."""
    if not objects:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(field)} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {columns} WHERE id = %s",
            [[*(getattr(obj, field) for field in fields), obj.pk] for obj in objects],
        )


def _store_mentions(mentions):
    """Replace the `mentions` of these terms: {pk: ids of the terms it links to}."""
    through = Term.mentions.through
    through.objects.filter(from_term_id__in=list(mentions)).delete()
    through.objects.bulk_create(
        [
            through(from_term_id=pk, to_term_id=target)
            for pk, targets in mentions.items()
            for target in targets
        ],
        batch_size=1000,
    )


def _render_answers(term_ids, index, only=None, saved=None):
    """Render the FAQ answers of these terms (or the FAQs `only` names), storing those that
    changed; `saved` FAQ instances ({pk: FAQ}) get their answer_html too. Returns
    the FAQs whose stored answer_html changed."""
    if only is None and not term_ids:
        return []
    faqs = FAQ.objects.select_related("term").only(
        "answer", "answer_html", "term__id", "term__name", "term__aliases"
    )
    faqs = faqs.filter(pk__in=only) if only is not None else faqs.filter(term_id__in=term_ids)
    changed = []
    for faq in faqs:
        html = render_answer(faq.answer, index, faq.term)
        if saved and faq.pk in saved:
            saved[faq.pk].answer_html = html
        if html != faq.answer_html:
            faq.answer_html = html
            changed.append(faq)
    _store(FAQ, changed, ["answer_html"])
    return changed


def _refresh_dependents(changed, batch, index):
    """Render again the terms outside the batch whose links `changed` ({pk: (before, after)
    LinkState, None for a new or deleted term}) may alter: those that link to them, and
    those whose text names them."""
    names = set()
    for before, after in changed.values():
        for state in (before, after):
            names |= state.names if state else set()
    names = {name for name in names if name.strip()}
    outside = Q(mentions__in=list(changed))
    for _, mentioned_by in batch.deleted.values():
        outside |= Q(pk__in=mentioned_by)
    terms = Term.objects.exclude(pk__in=[*batch.saved, *batch.deleted])
    linking = set(terms.filter(outside).values_list("pk", flat=True))
    linking |= _mentioning(terms, names)
    dependents = list(Term.objects.filter(pk__in=linking))
    mentions = {}
    rerendered = []
    for term in dependents:
        html, mentions[term.pk] = render_definition(term.definition, index, term)
        if html != term.definition_html:
            term.definition_html = html
            rerendered.append(term)
    # Their text did not change: updated_at stays; their API representation did.
    _store(Term, rerendered, ["definition_html"])
    _store_mentions(mentions)
    changes.note_changed(term.pk for term in rerendered)
    # Answers link by [[name]] only: those with a link to one of the names.
    folded = {name.casefold() for name in names}
    faqs = FAQ.objects.exclude(term_id__in=[*batch.saved, *batch.deleted])
    linked = [
        pk
        for pk, answer in faqs.filter(answer__contains="[[").values_list("pk", "answer")
        if folded.intersection(name.casefold() for name in wiki_link_names(answer))
    ]
    changes.note_changed(faq.term_id for faq in _render_answers(set(), index, only=linked))


def _mentioning(terms, names):
    """Pks of `terms` whose definition names one of `names`."""
    if not names:
        return set()
    if len(names) <= FEW_NAMES:
        condition = Q()
        for name in names:
            condition |= Q(definition__icontains=name)
        return set(terms.filter(condition).values_list("pk", flat=True))
    # The rendered text: Markdown markup (_cloud_) can hide a mention in the source.
    matcher = NameMatcher(names)
    return {
        pk
        for pk, text in terms.values_list("pk", "definition_html").iterator(chunk_size=2000)
        if matcher.names_in(text)
    }


def render_all():
    """Render every definition and answer with one index: the path after bulk loads."""
    index = load_index()
    terms = list(Term.objects.all())
    _render_terms(terms, index)
    _render_answers(set(), index, only=FAQ.objects.values_list("pk", flat=True))
    return len(terms)
