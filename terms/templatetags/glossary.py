"""Template helpers for the reader pages: links to terms and their badges."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from terms import rendering
from terms.models import Difficulty

register = template.Library()

DIFFICULTY_LABELS = dict(Difficulty.choices)


@register.simple_tag
def term_link(term, text=None, rel=None):
    """A link to a term that carries its one-sentence summary for the hover/focus preview."""
    return rendering.term_link(term.slug, term.summary, text or term.name, rel)


@register.simple_tag
def badges(term):
    """A term's category and difficulty badges, each a link to the terms that share it."""
    return format_html(
        '<a class="badge badge-category" href="{}">{}</a>\n'
        '<a class="badge badge-{}" href="{}?difficulty={}">{}</a>',
        term.category.get_absolute_url(),
        term.category.name,
        term.difficulty,
        reverse("terms:term-list"),
        term.difficulty,
        DIFFICULTY_LABELS.get(term.difficulty, term.difficulty),
    )
