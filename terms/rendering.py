"""Turn editors' Markdown into safe HTML and plain-text summaries, with links between terms.

Pure functions: the terms a text may link to come in as a `LinkIndex` (terms.linking loads
it; `with_changes` gives the index after a write without reading every term again). A
definition links to other terms in two ways: `[[Term name]]` / `[[Term name|shown text]]`
written by the editor, and an auto-link on the first mention of another term's name or alias.
A `NameMatcher` finds those mentions, and tells which names any text mentions.
"""

import copy
import html
import itertools
import re
import threading
from dataclasses import dataclass
from functools import partial
from operator import attrgetter

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
_local = threading.local()
# Text inside these elements is never turned into a link.
_NO_LINK_TAGS = {"a", "code", "pre"}
# A run of word characters, or any other single character.
_TOKEN = re.compile(r"\w+|\W")
_PLURAL_ENDINGS = ("", "s", "es")
# Characters whose one-character case mappings fall short: İ lowers to two characters, these
# Greek letters and ligature upper to several, and U+0345, a combining mark (not a word
# character), would fold to a letter and so move word boundaries.
_FOLD_FIXES = {
    "\u0130": "i",
    "\u0345": "\u0345",
    "\u1fd3": "\u0390",
    "\u1fe3": "\u03b0",
    "\ufb05": "\ufb06",
}


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
    # One converter per thread, reset between texts: building one costs more than a text.
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists"]
        )
    return sanitize(converter.reset().convert(text))


def plain_text(text):
    """Markdown source with its markup stripped, on one line."""
    text = _MARKUP.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return " ".join(text.split())


# A summary travels with every link to its term (data-summary), so a definition with no
# full stop must not make it as long as the definition.
MAX_SUMMARY = 300


def first_sentence(text):
    """The first sentence of a Markdown text, as plain text, cut at a word to MAX_SUMMARY."""
    text = plain_text(text)
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""
    if len(sentence) <= MAX_SUMMARY:
        return sentence
    cut = sentence[: MAX_SUMMARY - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


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


class NameMatcher:
    """Finds names in HTML text: whole words, any case, plural or not.

    A mention starts where no word character, `&`, `#` or `-` precedes it (never inside a
    character reference such as `&amp;`) and ends, after an optional plural `s` or `es`, where
    no word character or `-` follows. Names are compared as HTML-escaped text, one character
    against one, so a name with `&` matches the `&amp;` of the text. The text is read token by
    token (a run of word characters, or one other character), and from each token only as far
    as the longest name starting with it: the number of names does not matter.
    """

    def __init__(self, names=()):
        """`names` are casefolded on the way in."""
        # Folded, escaped name -> the names folding to it.
        self._names = {}
        # First token of a name -> the length of the longest name starting with it (left as it
        # is when names go: a bound, not a count).
        self._longest = {}
        self._add(names)

    def with_changes(self, added=(), removed=()):
        """A new matcher with the names `added` and without those `removed`; this one stays."""
        new = copy.copy(self)
        new._names, new._longest = self._names.copy(), self._longest.copy()
        new._remove(removed)
        new._add(added)
        return new

    def sub(self, replace, text):
        """`text` with each mention, leftmost then longest first, replaced by `replace(mention)`.

        `text` is HTML text between two tags."""
        if not self._names:
            return text
        folded = _fold(text)
        pieces, done = [], 0
        for start, found in self._mentions(folded, _tokens([folded]), {0, len(text)}):
            if start >= done:
                end = found[-1][1]
                pieces += [text[done:start], replace(text[start:end])]
                done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def names_in(self, text):
        """The names mentioned anywhere in `text`, overlapping mentions included, casefolded.

        `text` is Markdown or HTML: tags are dropped, a mention may start or end at one and may
        run across one (an earlier link). Give a definition's rendered HTML to find every name
        auto-linking could link in it: Markdown markup can hide a mention (`_cloud_`).
        """
        pieces = [
            _fold(html.escape(html.unescape(piece), quote=False))
            for piece in _TAG.split(text)
            if not piece.startswith("<")
        ]
        folded = "".join(pieces)
        edges = set(itertools.accumulate(map(len, pieces), initial=0))
        found = set()
        for start, mentions in self._mentions(folded, _tokens(pieces), edges):
            for stem, _ in mentions:
                found.update(self._names[folded[start:stem]])
        return found

    def _mentions(self, folded, tokens, edges):
        """(start, [(end of the name, end of the mention), ...]) of each offset where names
        start, in the order of their ends. `tokens` make up `folded`; `edges` are offsets where
        a mention may start or end whatever the text around."""
        reach = self._reach(tokens)
        if not reach:
            return
        ends = list(itertools.accumulate(map(len, tokens)))
        for index, word in enumerate(tokens):
            start = ends[index] - len(word)
            if word not in reach or start not in edges and _is_word(folded[start - 1], "&#-"):
                continue
            found = []
            for end in itertools.islice(ends, index, None):
                if end > start + reach[word] + 2:
                    break
                if end in edges or not _is_word(folded[end], "-"):
                    for stem in (end, end - 1, end - 2):
                        if (
                            stem > start
                            and folded[stem:end] in _PLURAL_ENDINGS
                            and folded[start:stem] in self._names
                        ):
                            found.append((stem, end))
            if found:
                yield start, found

    def _reach(self, tokens):
        """Token -> the length of the longest name that may start with it, for the tokens some
        name may start with."""
        words = set(tokens)
        # A one-word name may also start a token that is its plural.
        plurals = [
            (word, word[: -len(ending)])
            for word in words
            for ending in _PLURAL_ENDINGS[1:]
            if word.endswith(ending)
        ]
        firsts = self._longest.keys() & {*words, *(stem for _, stem in plurals)}
        reach = {word: self._longest[word] for word in words & firsts}
        for word, stem in plurals:
            if stem in firsts:
                reach[word] = max(reach.get(word, 0), self._longest[stem])
        return reach

    def _add(self, names):
        for name in names:
            name, key = _key(name)
            same = self._names.get(key)
            if same is None and key:
                self._names[key] = (name,)
                first = key[: _TOKEN.match(key).end()]
                self._longest[first] = max(self._longest.get(first, 0), len(key))
            elif same is not None and name not in same:
                self._names[key] = (*same, name)

    def _remove(self, names):
        for name in names:
            name, key = _key(name)
            same = self._names.get(key, ())
            if name in same:
                self._names[key] = tuple(other for other in same if other != name)
                if not self._names[key]:
                    del self._names[key]


def _key(name):
    """(the name casefolded, the key it is found by: HTML-escaped, folded)."""
    name = name.casefold()
    return name, _fold(html.escape(name, quote=False))


def _keys(name, aliases):
    """The keys a term claims: its name and aliases, casefolded."""
    keys = {name.casefold()}
    for alias in [*(aliases or ()), *implied_aliases(name)]:
        keys.add(alias.strip().casefold())
    keys.discard("")
    return keys


class LinkIndex:
    """Every term's name and aliases, case-folded, mapped to the term they name.

    A name beats another term's alias of the same spelling. Between terms claiming the same
    alias, the first by name wins; between names the same once casefolded, the last.
    """

    def __init__(self, rows=()):
        """`rows`: (id, name, slug, summary, aliases) tuples, in any order."""
        self.by_name = {}
        # Id -> (Target, aliases) of every term.
        self._terms = {}
        # Key -> ids of the terms claiming it, for the keys more than one term claims.
        self._shared = {}
        self._matcher = None
        self._apply(rows, ())

    def with_changes(self, rows, removed_ids=()):
        """A new index with `rows` added or replacing the rows of their ids, and without the
        terms in `removed_ids`; this index stays as it is."""
        rows, removed_ids = list(rows), set(removed_ids)
        new = copy.copy(self)
        new.by_name, new._terms, new._shared = (
            self.by_name.copy(),
            self._terms.copy(),
            self._shared.copy(),
        )
        new._apply(rows, removed_ids)
        if self._matcher is not None:
            changed = {*removed_ids, *(row[0] for row in rows)} & self._terms.keys()
            keys = set().union(
                *(_keys(self._terms[id_][0].name, self._terms[id_][1]) for id_ in changed),
                *(_keys(name, aliases) for _, name, _, _, aliases in rows),
            )
            before = {key for key in keys if key in self.by_name}
            after = {key for key in keys if key in new.by_name}
            new._matcher = self._matcher.with_changes(after - before, before - after)
        return new

    @property
    def matcher(self):
        """A NameMatcher of every key, built on first use: only auto-linking needs it."""
        if self._matcher is None:
            self._matcher = NameMatcher(self.by_name)
        return self._matcher

    def get(self, name):
        return self.by_name.get(html.unescape(name).strip().casefold())

    def get_mentioned(self, text):
        """The term a matched mention names, trying it as written and then as a singular."""
        for candidate in (text, text[:-1], text[:-2]):
            target = self.get(candidate)
            if target is not None:
                return target
        return None

    def _apply(self, rows, removed_ids):
        """Put `rows` in and take `removed_ids` out."""
        incoming = {row[0]: row for row in rows}
        for id_ in removed_ids:
            incoming.pop(id_, None)
        contested = set()
        for id_ in {*removed_ids, *incoming} & self._terms.keys():
            target, aliases = self._terms.pop(id_)
            for key in _keys(target.name, aliases):
                self._unclaim(key, id_)
                contested.add(key)
        for id_, name, slug, summary, aliases in incoming.values():
            target = Target(id_, name, slug, summary)
            self._terms[id_] = target, aliases
            for key in _keys(name, aliases):
                if key not in self.by_name:
                    self.by_name[key] = target
                else:
                    self._shared[key] = (*self._claimants(key), id_)
                    contested.add(key)
        for key in contested & self._shared.keys():
            self.by_name[key] = self._winner(key)

    def _unclaim(self, key, id_):
        """Take `id_`'s claim off `key`; the caller settles who wins a key still shared."""
        ids = tuple(other for other in self._claimants(key) if other != id_)
        self._shared.pop(key, None)
        if len(ids) > 1:
            self._shared[key] = ids
        if ids:
            self.by_name[key] = self._terms[ids[0]][0]
        else:
            del self.by_name[key]

    def _claimants(self, key):
        return self._shared.get(key) or (self.by_name[key].id,)

    def _winner(self, key):
        targets = [self._terms[id_][0] for id_ in self._shared[key]]
        named = [target for target in targets if target.name.casefold() == key]
        by_name = attrgetter("name", "id")
        return max(named, key=by_name) if named else min(targets, key=by_name)


class _FoldTable(dict):
    """A str.translate table folding case one character at a time, filled as characters come."""

    def __missing__(self, code):
        char = chr(code)
        folded = _FOLD_FIXES.get(char)
        if folded is None:
            folded = char
            for convert in (str.lower, str.upper, str.lower):
                converted = convert(folded)
                if len(converted) == 1:
                    folded = converted
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold(text):
    """`text` in one case, a character for a character, so offsets into it hold in `text`."""
    return text.lower() if text.isascii() else text.translate(_FOLD_TABLE)


def _tokens(pieces):
    """The tokens of `pieces`, read one after another: a token never spans two."""
    return list(itertools.chain.from_iterable(map(_TOKEN.findall, pieces)))


def _is_word(char, also):
    return char.isalnum() or char == "_" or char in also


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


def _substitute_in_text(substitute, html_text):
    """`substitute(text)` on the linkable text of `html_text` only."""
    return "".join(
        substitute(piece) if linkable else piece for piece, linkable in _segments(html_text)
    )


def _wiki_links(html_text, index, own, linked):
    def replace(match):
        shown = match.group(2) or match.group(1)
        target = index.get(match.group(1))
        if target is None or target.id in _own_ids(own):
            return shown
        linked.add(target.id)
        return target.link(shown)

    return _substitute_in_text(partial(_WIKI_LINK.sub, replace), html_text)


def _auto_links(html_text, index, own, linked):
    skip_ids, skip_names = _own_ids(own), _own_names(own)

    def replace(text):
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

    return _substitute_in_text(partial(index.matcher.sub, replace), html_text)


def render_definition(text, index, own=None):
    """(html, ids of linked terms) for a definition: [[links]] first, then auto-links."""
    linked = set()
    rendered = _wiki_links(markdown_to_html(text), index, own, linked)
    rendered = _auto_links(rendered, index, own, linked)
    return rendered, linked


def render_answer(text, index, own=None):
    """HTML for an FAQ answer: [[links]] resolve, nothing is auto-linked."""
    return _wiki_links(markdown_to_html(text), index, own, set())


def wiki_link_names(text):
    """The names the `[[...]]` links of a Markdown text point at, in order."""
    return [match.group(1).strip() for match in _WIKI_LINK.finditer(text)]


def missing_links(text, index):
    """Names in `[[...]]` that match no term, in order of appearance (for editors' warnings)."""
    seen = []
    for match in _WIKI_LINK.finditer(text):
        name = match.group(1).strip()
        if index.get(name) is None and name not in seen:
            seen.append(name)
    return seen
