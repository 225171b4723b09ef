"""Search snippets: the passage of a hit's text that matches the reader's query, marked.

The same code serves both databases. It reads the document text the search index holds
(definition, then use cases and FAQs, then services) and needs no second pass of the
full-text engine: FTS5's ``snippet()`` and PostgreSQL's ``ts_headline()`` parse every
candidate field of every hit again, which cost a search page more than finding its results.

Words match the way the index matches them: by their English Snowball stem (PostgreSQL's
'english' configuration uses the same stemmer; FTS5's Porter stemmer agrees on nearly every
word), or by their start for a ``prefix*`` query.
"""

import html
import re
import threading
from functools import cached_property, lru_cache

import snowballstemmer

WIDTH = 180  # characters in a snippet, about 25 words
LEAD = 50  # characters shown before the passage's first match
MAX_MATCHES = 32  # passages compared per field

_MARK_START, _MARK_END = "\ue000", "\ue001"
_SPACE = re.compile(r"\s")
# What readers should not see of the Markdown the index holds: [[Name|shown]] and [[Name]]
# links, [text](url) links, `code` and **strong** marks.
_MARKDOWN = [
    (re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)\s]*\)"), r"\1"),
    (re.compile(r"`|\*\*"), ""),
]
_local = threading.local()  # a stemmer keeps state while it works: one per thread


@lru_cache(maxsize=20_000)
def stem(word):
    """The English Snowball stem of a lower-case word."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


class Highlighter:
    """Marks the words of a parsed query (terms.search.query.Query) in texts."""

    def __init__(self, query):
        # (stem or prefix, is_prefix) per distinct positive word; excluded words are not
        # in the results' text, so there is nothing of them to show.
        terms = {}
        for kind, words in query.positive:
            for i, word in enumerate(words):
                prefix = kind == "prefix" and i == len(words) - 1
                terms.setdefault((word if prefix else stem(word), prefix), len(terms))
        self.terms = terms
        # Candidates: words starting with a stem ("polici" of "policy": its stem's "y"
        # becomes "i", so the "i" is left out of what is searched for), checked by _term().
        # The pattern starts with the words themselves, so the regex engine can skip to
        # them; whether a candidate starts a word is checked after.
        starts = sorted({t[:-1] if t.endswith("i") and not p else t for t, p in terms}, key=len)
        alternatives = "|".join(map(re.escape, reversed(starts)))
        self.pattern = re.compile(rf"(?:{alternatives})[^\W_]*") if starts else None

    @cached_property
    def folded_pattern(self):
        return re.compile(self.pattern.pattern, re.IGNORECASE)

    def _term(self, word):
        """Which query word this text word is (its index), or None."""
        word = word.casefold()
        found = self.terms.get((stem(word), False))
        if found is None:
            found = next((i for (t, p), i in self.terms.items() if p and word.startswith(t)), None)
        return found

    def _searchable(self, text):
        """(the text to search, the pattern to search it with): the text in lower case,
        unless that changes its length (a few letters outside ASCII do), which would shift
        every position; then the text as it is, searched case-insensitively."""
        lowered = text.lower()
        if len(lowered) != len(text):
            return text, self.folded_pattern
        return lowered, self.pattern

    def _matches(self, searchable, start=0, end=None, limit=None):
        """(start, end, term index) of the query's words in a _searchable() text, between
        `start` and `end`."""
        lowered, pattern = searchable
        found = []
        for match in pattern.finditer(lowered, start, len(lowered) if end is None else end):
            at = match.start()
            if at and lowered[at - 1].isalnum():
                continue  # inside a word
            term = self._term(match.group())
            if term is not None:
                found.append((at, match.end(), term))
                if len(found) == limit:
                    break
        return found

    def snippet(self, texts):
        """Safe HTML: the passage of the first text that holds a query word, its words
        marked with <mark> and everything else escaped; "" when no text holds one."""
        if self.pattern is None:
            return ""
        for text in texts:
            if not text:
                continue
            text = plain(text)
            searchable = self._searchable(text)  # once per text, for both passes below
            # With one query word every window shows it once: the first will do.
            matches = self._matches(searchable, limit=MAX_MATCHES if len(self.terms) > 1 else 1)
            if matches:
                return self._passage(text, searchable, matches)
        return ""

    def _passage(self, text, searchable, matches):
        # The window that shows the most different query words; the first of those.
        best, best_score = None, 0
        for anchor, anchor_end, _ in matches:
            start, end = _window(text, anchor, anchor_end)
            score = len({term for s, e, term in matches if s >= start and e <= end})
            if score > best_score:
                best, best_score = (start, end), score
                if score == len(self.terms):
                    break  # shows every query word
        start, end = best
        parts, position = [], start
        for s, e, _ in self._matches(searchable, start, end):
            parts += [text[position:s], _MARK_START, text[s:e], _MARK_END]
            position = e
        parts.append(text[position:end])
        shown = " ".join("".join(parts).split())
        shown = ("… " if start > 0 else "") + shown + (" …" if end < len(text) else "")
        return html.escape(shown).replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")


def _window(text, anchor, anchor_end):
    """[start, end) of about WIDTH characters from LEAD before `anchor`, on word breaks."""
    start = max(0, anchor - LEAD)
    if start > 0:
        space = _SPACE.search(text, start, anchor)
        start = space.end() if space else anchor
    end = max(start + WIDTH, anchor_end)
    if end < len(text):
        space = max(text.rfind(" ", anchor_end, end), text.rfind("\n", anchor_end, end))
        end = space if space >= 0 else anchor_end
    return start, min(end, len(text))


def plain(text):
    """`text` without the Markdown marks readers should not see. Narrower than
    terms.rendering.plain_text(), which also drops every _, # and >: a snippet quotes the
    text, where "max_tokens" or "C#" must read as written."""
    if "[" in text or "`" in text or "*" in text:
        for pattern, replacement in _MARKDOWN:
            text = pattern.sub(replacement, text)
    return text
