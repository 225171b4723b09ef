"""Keeping links between terms current: what a term mentions, and re-rendering the terms
that link to one whose name, URL or summary changed."""

from django.db.models import Q

from terms.models import FAQ, Term
from terms.rendering import (
    LinkIndex,
    first_sentence,
    implied_aliases,
    render_answer,
    render_definition,
)


def load_index():
    """A LinkIndex of every term."""
    return LinkIndex(list(Term.objects.values_list("id", "name", "slug", "summary", "aliases")))


def render_term(term, index=None):
    """Fill `term.definition_html` and `term.summary`; remember what it links to for `save`."""
    index = index or load_index()
    term.definition_html, term._linked_ids = render_definition(term.definition, index, term)
    term.summary = first_sentence(term.definition)


def link_state(term):
    """What other pages' links to `term` depend on, as stored now (None for a new term)."""
    if not term.pk:
        return None
    return Term.objects.filter(pk=term.pk).values("name", "slug", "summary", "aliases").first()


def _names(state):
    if not state:
        return set()
    return {state["name"], *(state["aliases"] or ()), *implied_aliases(state["name"])}


def after_save(term, before):
    """Store the term's mentions; re-render others when its names, URL or summary changed."""
    linked = getattr(term, "_linked_ids", None)
    if linked is not None:
        term.mentions.set(linked)
    now = {k: getattr(term, k) for k in ("name", "slug", "summary", "aliases")}
    if before == now:
        return
    refresh_dependents(term.pk, _names(now) | _names(before))


def refresh_dependents(term_id, names):
    """Re-render definitions and answers that link to the term or mention one of its names."""
    names = {name for name in names if name.strip()}
    mentioning = Q(mentions=term_id)
    answers = Q(pk__in=[])
    for name in names:
        mentioning |= Q(definition__icontains=name)
        answers |= Q(answer__icontains=f"[[{name}")
    index = load_index()
    _rerender(Term.objects.filter(mentioning).exclude(pk=term_id).distinct(), index)
    for faq in FAQ.objects.filter(answers).select_related("term"):
        FAQ.objects.filter(pk=faq.pk).update(answer_html=render_answer(faq.answer, index, faq.term))


def render_all():
    """Re-render every definition and answer with one index: the path after bulk loads."""
    index = load_index()
    terms = list(Term.objects.all())
    mentions = []
    for term in terms:
        render_term(term, index)
        mentions += [
            Term.mentions.through(from_term_id=term.pk, to_term_id=target)
            for target in term._linked_ids
        ]
    Term.objects.bulk_update(terms, ["definition_html", "summary"], batch_size=500)
    Term.mentions.through.objects.all().delete()
    Term.mentions.through.objects.bulk_create(mentions, batch_size=1000)
    faqs = list(FAQ.objects.select_related("term"))
    for faq in faqs:
        faq.answer_html = render_answer(faq.answer, index, faq.term)
    FAQ.objects.bulk_update(faqs, ["answer_html"], batch_size=500)
    return len(terms)


def before_delete(sender, instance, **kwargs):
    """Remember who links to a term about to go: their links must turn back into text."""
    instance._mentioned_by = list(instance.mentioned_in.values_list("pk", flat=True))


def after_delete(sender, instance, **kwargs):
    _rerender(Term.objects.filter(pk__in=getattr(instance, "_mentioned_by", ())), load_index())


def _rerender(terms, index):
    """Refresh other terms' links without touching their updated_at: their text did not change."""
    for other in terms:
        html_text, linked = render_definition(other.definition, index, other)
        type(other).objects.filter(pk=other.pk).update(definition_html=html_text)
        other.mentions.set(linked)
