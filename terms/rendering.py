"""Turn editors' Markdown into safe HTML and plain-text summaries.

Rendering happens when a term is saved, never when it is viewed.
"""

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_MARKUP = re.compile(r"[*_`#>]|\[\[|\]\]|\[([^\]]*)\]\([^)]*\)")


def sanitize(html):
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def markdown_to_html(text):
    """Render Markdown source to sanitised HTML."""
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return sanitize(html)


def plain_text(text):
    """Markdown source with its markup stripped, on one line."""
    text = _MARKUP.sub(lambda m: m.group(1) or "", text)
    return " ".join(text.split())


def first_sentence(text):
    """The first sentence of a Markdown text, as plain text."""
    text = plain_text(text)
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""
