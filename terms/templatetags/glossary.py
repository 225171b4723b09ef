"""Template helpers for the reader pages: links to terms, their badges, and the URLs the
term page prints."""

import functools

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from terms import rendering
from terms.models import Difficulty

register = template.Library()

DIFFICULTY_LABELS = dict(Difficulty.choices)
_SLUG = "slug-placeholder"


@functools.cache
def _url_shape(name, with_slug):
    """The URL named `name`, split where its slug goes."""
    if not with_slug:
        return reverse(name), ""
    before, after = reverse(name, kwargs={"slug": _SLUG}).split(_SLUG)
    return before, after


@register.simple_tag
def page_url(name, slug=None):
    """{% url name slug %}, each URL shape reversed once per process."""
    # Target: the term page at ≥ 10 % of a bare view; a reverse() per link missed it.
    before, after = _url_shape(name, slug is not None)
    return before if slug is None else f"{before}{slug}{after}"


@register.simple_tag
@functools.cache
def static_url(name):
    """{% static name %}, looked up once per process."""
    # Target: the term page at ≥ 10 % of a bare view; a manifest lookup per file missed it.
    return static(name)


@register.simple_tag
def term_link(term, text=None, rel=None):
    """A link to a term that carries its one-sentence summary for the hover/focus preview."""
    url = page_url("terms:term-detail", term.slug)
    return rendering.term_link(url, term.summary, text or term.name, rel)


@register.simple_tag
def badges(term):
    """A term's category and difficulty badges, each a link to the terms that share it."""
    return format_html(
        '<a class="badge badge-category" href="{}">{}</a>\n'
        '<a class="badge badge-{}" href="{}?difficulty={}">{}</a>',
        page_url("terms:category-detail", term.category.slug),
        term.category.name,
        term.difficulty,
        page_url("terms:term-list"),
        term.difficulty,
        DIFFICULTY_LABELS.get(term.difficulty, term.difficulty),
    )
