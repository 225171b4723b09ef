"""Turn editors' Markdown into safe HTML and plain-text summaries, with links between terms.

Pure functions: the terms a text may link to come in as a `LinkIndex` (terms.linking loads
it). A definition links to other terms in two ways: `[[Term name]]` / `[[Term name|shown
text]]` written by the editor, and an auto-link on the first mention of another term's name
or alias.
"""

import html
import re
from dataclasses import dataclass
from functools import cached_property

import markdown
import nh3
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_MARKUP = re.compile(
    r"\[\[([^\]|]*)\|([^\]]*)\]\]|[*_`#>]|\[\[|\]\]|\[([^\]]*)\]\([^)]*\)"
)  # fmt: skip
_NAME_WITH_ABBREVIATION = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")
_WIKI_LINK = re.compile(r"\[\[([^\[\]|]+)(?:\|([^\[\]]+))?\]\]")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z0-9]+)")
# Text inside these elements is never turned into a link.
_NO_LINK_TAGS = {"a", "code", "pre"}


def sanitize(html_text):
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def markdown_to_html(text):
    """Render Markdown source to sanitised HTML."""
    rendered = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return sanitize(rendered)


def plain_text(text):
    """Markdown source with its markup stripped, on one line."""
    text = _MARKUP.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return " ".join(text.split())


def first_sentence(text):
    """The first sentence of a Markdown text, as plain text."""
    text = plain_text(text)
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def implied_aliases(name):
    """ "Large Language Model (LLM)" is also mentioned as "large language model" and "LLM"."""
    match = _NAME_WITH_ABBREVIATION.match(name)
    return [match.group(1), match.group(2)] if match else []


def term_link(url, summary, text, rel=None):
    """An <a> to a term's page at `url` around `text` (escaped unless marked safe), carrying
    its summary for the preview."""
    # Not format_html(): its per-value checks missed the target, term page ≥ 10 % of a bare view.
    text = text if hasattr(text, "__html__") else html.escape(text)
    rel = f' rel="{html.escape(rel)}"' if rel else ""
    return SafeString(
        f'<a href="{html.escape(url)}" class="term-link" data-summary="{html.escape(summary)}"'
        f"{rel}>{text}</a>"
    )


@dataclass(frozen=True)
class Target:
    """A term as a link points at it."""

    id: int
    name: str
    slug: str
    summary: str

    def link(self, text):
        """An <a> to this term around `text` (already HTML), carrying its summary for previews."""
        url = reverse("terms:term-detail", kwargs={"slug": self.slug})
        return term_link(url, self.summary, mark_safe(text))


class LinkIndex:
    """Every term's name and aliases, case-folded, mapped to the term they name."""

    def __init__(self, rows):
        """`rows`: (id, name, slug, summary, aliases) tuples."""
        self.by_name = {}
        for id_, name, slug, summary, aliases in rows:
            target = Target(id_, name, slug, summary)
            # A name beats someone else's alias of the same spelling.
            for alias in [*(aliases or ()), *implied_aliases(name)]:
                self.by_name.setdefault(alias.strip().casefold(), target)
        for id_, name, slug, summary, _ in rows:
            self.by_name[name.casefold()] = Target(id_, name, slug, summary)
        self.by_name.pop("", None)

    def get(self, name):
        return self.by_name.get(html.unescape(name).strip().casefold())

    @cached_property
    def pattern(self):
        """One regex for every name, longest first, matched as whole words in escaped HTML."""
        if not self.by_name:
            return None
        names = sorted(self.by_name, key=len, reverse=True)
        alternatives = "|".join(re.escape(html.escape(name, quote=False)) for name in names)
        # `&` and `#` keep matches out of entities such as &amp; and &#39;.
        # A plural ("embeddings") mentions the term too.
        return re.compile(rf"(?<![\w&#-])(?:{alternatives})(?:e?s)?(?![\w-])", re.IGNORECASE)

    def get_mentioned(self, text):
        """The term a matched mention names, trying it as written and then as a singular."""
        for candidate in (text, text[:-1], text[:-2]):
            target = self.get(candidate)
            if target is not None:
                return target
        return None


def _own_ids(own):
    return {own.pk} if own is not None and own.pk else set()


def _own_names(own):
    if own is None:
        return set()
    names = [own.name, *(own.aliases or ()), *implied_aliases(own.name)]
    return {name.strip().casefold() for name in names}


def _segments(html_text):
    """Yield (piece, linkable): tags are never linkable, text is unless inside a/code/pre."""
    depth = 0
    for piece in _TAG.split(html_text):
        if piece.startswith("<"):
            match = _TAG_NAME.match(piece)
            if match and match.group(2).lower() in _NO_LINK_TAGS:
                depth += -1 if match.group(1) else 1
            yield piece, False
        else:
            yield piece, depth == 0


def _substitute_in_text(pattern, replace, html_text):
    """`pattern.sub(replace, ...)` on the linkable text of `html_text` only."""
    return "".join(
        pattern.sub(replace, piece) if linkable else piece
        for piece, linkable in _segments(html_text)
    )


def _wiki_links(html_text, index, own, linked):
    def replace(match):
        shown = match.group(2) or match.group(1)
        target = index.get(match.group(1))
        if target is None or target.id in _own_ids(own):
            return shown
        linked.add(target.id)
        return target.link(shown)

    return _substitute_in_text(_WIKI_LINK, replace, html_text)


def _auto_links(html_text, index, own, linked):
    pattern = index.pattern
    if pattern is None:
        return html_text
    skip_ids, skip_names = _own_ids(own), _own_names(own)

    def replace(match):
        text = match.group(0)
        target = index.get_mentioned(text)
        if (
            target is None
            or target.id in linked
            or target.id in skip_ids
            or html.unescape(text).casefold() in skip_names
        ):
            return text
        linked.add(target.id)
        return target.link(text)

    return _substitute_in_text(pattern, replace, html_text)


def render_definition(text, index, own=None):
    """(html, ids of linked terms) for a definition: [[links]] first, then auto-links."""
    linked = set()
    rendered = _wiki_links(markdown_to_html(text), index, own, linked)
    rendered = _auto_links(rendered, index, own, linked)
    return rendered, linked


def render_answer(text, index, own=None):
    """HTML for an FAQ answer: [[links]] resolve, nothing is auto-linked."""
    return _wiki_links(markdown_to_html(text), index, own, set())


def missing_links(text, index):
    """Names in `[[...]]` that match no term, in order of appearance (for editors' warnings)."""
    seen = []
    for match in _WIKI_LINK.finditer(text):
        name = match.group(1).strip()
        if index.get(name) is None and name not in seen:
            seen.append(name)
    return seen
