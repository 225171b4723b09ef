"""Template helpers for the reader pages: links to terms, their badges, and the URLs the
term page prints."""

import functools
import html
import re

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

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


@register.simple_tag
def search_hit(hit):
    """One search result: its link with the preview, the snippet, and the badges."""
    # A tag, not an include: twenty a page, and the include's tags and lookups were a third
    # of the search page (target: /search/ p95 ≤ 50 ms at 8 clients).
    return SafeString(
        f'<li>\n    <h3>{term_link(hit.term)}</h3>\n    <p class="snippet">{hit.snippet}</p>'
        f'\n    <p class="meta">{badges(hit.term)}</p>\n  </li>'
    )


SELECTED = ' class="selected" aria-current="true" title="Remove this filter"'


@register.simple_tag
def search_facets(groups):
    """The search page's facet lists: (title, [(Facet, url)]) per facet."""
    # A tag for the same reason as search_hit: a common word shows dozens of facet links.
    parts = []
    for title, links in groups:
        items = "\n".join(
            f'    <li><a href="{html.escape(url)}"{SELECTED if facet.selected else ""}>'
            f'{html.escape(facet.label)}</a> <span class="facet-count">{facet.count}</span></li>'
            for facet, url in links
        )
        parts.append(f"  <h2>{html.escape(title)}</h2>\n  <ul>\n{items}\n  </ul>")
    return SafeString("\n".join(parts))


@register.filter
def highlight(text, query):
    """`text` escaped, each occurrence of `query` (any case) in <mark>: what matched the
    comparison filter."""
    text = str(text)
    query = (query or "").strip()
    if not query:
        return SafeString(html.escape(text))
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    # re.split with one group: the matches are at the odd places.
    return SafeString(
        "".join(
            f"<mark>{html.escape(part)}</mark>" if i % 2 else html.escape(part)
            for i, part in enumerate(parts)
        )
    )


@register.filter
def lines(names):
    """A JSON list of names (aliases, former names), one per line, for a data- attribute."""
    return "\n".join(name for name in names or () if isinstance(name, str))


# The term page's lists, one tag each instead of a {% for %} over several variables and
# tags: the loops were most of a page miss's template time (target: term page and API
# detail at ≥ 10 % of a bare view). Each prints what the loop printed, whitespace too.
_e = html.escape


@register.simple_tag
def use_case_cards(use_cases):
    """The use cases' <li> cards."""
    return SafeString(
        "".join(
            f'\n      <li class="card">\n        <p class="org">{_e(case.organization)}</p>'
            f"\n        <h3>{_e(case.title)}</h3>\n        <p>{_e(case.description)}</p>"
            f'\n        <p class="outcome"><strong>Outcome:</strong> {_e(case.outcome)}</p>'
            "\n      </li>\n    "
            for case in use_cases
        )
    )


@register.simple_tag
def equivalents_strip(equivalents):
    """Each provider's services on one line: (provider, rows) pairs as <dt>/<dd>."""
    return SafeString(
        "".join(
            f"\n        <div><dt>{_e(provider.short_name)}</dt>"
            f"<dd>{' · '.join(_e(e.service) for e in rows)}</dd></div>\n      "
            for provider, rows in equivalents
        )
    )


@register.simple_tag
def equivalents_rows(equivalents, has_docs):
    """The provider equivalents table's rows: (provider, rows) pairs."""
    parts = []
    for provider, rows in equivalents:
        short = _e(provider.short_name)
        url = _e(page_url("terms:provider-detail", provider.slug))
        last = len(rows) - 1
        services = "<br>".join(f'<span class="service">{_e(e.service)}</span>' for e in rows)
        notes = "".join(
            _e(e.note) + ("<br>" if i < last and e.note else "") for i, e in enumerate(rows)
        )
        docs = ""
        if has_docs:
            links = "".join(
                f'<a href="{_e(e.url)}" rel="noopener noreferrer">{_e(e.service)} docs'
                f'<span class="visually-hidden"> ({short})</span></a>{"<br>" if i < last else ""}'
                for i, e in enumerate(rows)
                if e.url
            )
            docs = f"<td>{links}</td>"
        parts.append(
            f'\n        <tr>\n          <th scope="row"><a href="{url}">{short}</a></th>'
            f"\n          <td>{services}</td>\n          <td>{notes}</td>\n          {docs}"
            "\n        </tr>\n      "
        )
    return SafeString("".join(parts))


@register.simple_tag
def faq_items(faqs):
    """The FAQs as <details>, their answers as stored HTML."""
    return SafeString(
        "".join(
            f'\n    <details class="faq">\n      <summary>{_e(faq.question)}</summary>'
            f'\n      <div class="answer">{faq.answer_html}</div>\n    </details>\n    '
            for faq in faqs
        )
    )


@register.simple_tag
def term_link_items(terms):
    """Each term's link with its preview, in an <li>."""
    return SafeString("".join(f"<li>{term_link(other)}</li>" for other in terms))
