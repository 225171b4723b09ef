"""Template helpers for the reader pages, written for pages that render many links."""

import functools
import html
import re

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString

from terms.models import Difficulty

register = template.Library()

_SLUG = "slug-placeholder"
DIFFICULTY_LABELS = dict(Difficulty.choices)


def _markup(template, *args):
    """format_html() for the tags below, which run hundreds of times a page: the same
    escaping (safe values pass as they are, anything else through html.escape, as Django's
    escape() does), without the per-value lazy-string checks that were a third of the
    search page's rendering."""
    # SafeString rather than mark_safe(), whose lazy-string check is a wrapper call.
    return SafeString(
        template.format(*(arg if hasattr(arg, "__html__") else _escape(str(arg)) for arg in args))
    )


_SPECIAL = re.compile("[&<>\"']")


def _escape(text):
    # Most values (slugs, paths, names) have nothing to escape: one scan tells, where
    # html.escape() makes five.
    return html.escape(text) if _SPECIAL.search(text) else text


@functools.cache
def _pattern(name, with_slug):
    if with_slug:
        return reverse(name, kwargs={"slug": _SLUG}).replace(_SLUG, "{}")
    return reverse(name)


@register.simple_tag
@functools.cache
def asset(name):
    """{% static %}, looked up once per process: the static files manifest is read once
    per process anyway, and the lookup cost every page a third of a millisecond."""
    return static(name)


@register.simple_tag
def path(name, slug=None):
    """Like {% url %}, for this site's two URL shapes, but reversed once per process: a
    term page has dozens of links and reverse() was a third of its rendering time."""
    if slug is None:
        return _pattern(name, False)
    return _pattern(name, True).format(slug)


@register.simple_tag
def term_link(term, text=None):
    """A link to a term that carries its one-sentence summary for the hover/focus preview."""
    return _markup(
        '<a href="{}" class="term-link" data-summary="{}">{}</a>',
        path("terms:term-detail", term.slug),
        term.summary,
        text or term.name,
    )


@register.simple_tag
def badges(term):
    """A term's category and difficulty badges, each a link to the terms that share it."""
    return _markup(
        '<a class="badge badge-category" href="{}">{}</a>\n'
        '<a class="badge badge-{}" href="{}?difficulty={}">{}</a>',
        path("terms:category-detail", term.category.slug),
        term.category.name,
        term.difficulty,
        path("terms:term-list"),
        term.difficulty,
        DIFFICULTY_LABELS.get(term.difficulty, term.difficulty),
    )


@register.simple_tag
def search_hit(hit):
    """One search result: its link with the preview, the snippet, and the badges. Built
    here rather than in the template: twenty per page, and the template's tags and lookups
    were most of the search page's rendering time."""
    return _markup(
        '<li>\n    <h3>{}</h3>\n    <p class="snippet">{}</p>\n    <p class="meta">{}</p>\n  </li>',
        term_link(hit.term),
        SafeString(hit.snippet),  # the search service escapes all of it but <mark>
        badges(hit.term),
    )


@register.simple_tag
def search_facets(groups):
    """The search page's facet lists: (title, [(Facet, url)]) per facet. A tag for the
    same reason as search_hit: a common word's results show dozens of facet links."""
    parts = []
    for title, links in groups:
        items = [
            _markup(
                '    <li><a href="{}"{}>{}</a> <span class="facet-count">{}</span></li>',
                url,
                SELECTED if facet.selected else "",
                facet.label,
                facet.count,
            )
            for facet, url in links
        ]
        parts.append(
            _markup("  <h2>{}</h2>\n  <ul>\n{}\n  </ul>", title, SafeString("\n".join(items)))
        )
    return SafeString("\n".join(parts))


SELECTED = SafeString(' class="selected" aria-current="true" title="Remove this filter"')


@register.simple_tag
def missing_links(term):
    """Names in the term's [[links]] (definition and FAQ answers) that match no term."""
    from terms import linking, rendering

    if term is None or not term.pk:
        return []
    index = linking.load_index()
    texts = [term.definition, *term.faqs.values_list("answer", flat=True)]
    return list(
        dict.fromkeys(name for text in texts for name in rendering.missing_links(text, index))
    )
