"""A reader's query, parsed safely, and the bounds every search stays within."""

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

# The bounds. Tests lower them through this module, so code reads them as `query.NAME`.
MAX_RESULTS = 1000  # ids a search lists, like Algolia's default pagination limit
# Counting a common word's matches costs as much as fetching them, so the count stops where
# the results do: "More than 1000".
COUNT_LIMIT = MAX_RESULTS
RANK_LIMIT = 1000  # at most COUNT_LIMIT: beyond it only name and service matches are ranked
# A phrase's word order is checked term by term: it is looked for in the first
# PHRASE_CANDIDATES terms that have all its words, and the results say when there were more.
PHRASE_CANDIDATES = 5_000
NAME_MATCHES = 200  # names and aliases read for a name key
MAX_QUERY_CHARS = 200
MAX_CLAUSES = 8
# Letters a prefix* needs; a shorter one is read as a word (PostgreSQL's GIN index joins the
# postings of every word that starts with a prefix).
MIN_PREFIX = 3

_TOKEN = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# PostgreSQL's English stop words, dropped on both backends so they behave alike.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()  # noqa: SIM905
)


class Clause(NamedTuple):
    """Part of a query: `kind` is "word", "prefix", "phrase" (required) or "not" (excluded)."""

    kind: str
    words: list[str]


@dataclass
class Query:
    """A reader's query, parsed into clauses."""

    clauses: list[Clause]

    @property
    def positive(self):
        return [c for c in self.clauses if c.kind != "not"]

    @property
    def negative(self):
        return [c for c in self.clauses if c.kind == "not"]

    @property
    def words(self):
        return [word for clause in self.positive for word in clause.words]

    @property
    def has_phrase(self):
        """Whether a required clause is words in a row, whose order is checked term by term."""
        return any(c.kind == "phrase" and len(c.words) > 1 for c in self.positive)

    @property
    def relaxed(self):
        """Its required words alone, in any order: what every term it can match has."""
        return Query(
            [
                Clause("prefix" if c.kind == "prefix" else "word", [word])
                for c in self.positive
                for word in c.words
            ]
        )

    @property
    def name_key(self):
        """The whole query as a name key, when it can be compared with names at all."""
        return "" if self.negative else " ".join(self.words)


def words_query(words, last_is_prefix=False):
    """A query requiring each of `words`; with `last_is_prefix`, the last one as a prefix."""
    kinds = ["word"] * len(words)
    if last_is_prefix and words:
        kinds[-1] = "prefix"
    return Query([Clause(kind, [word]) for kind, word in zip(kinds, words, strict=True)])


def tokens(text):
    """The words of `text`, normalised and case-folded, as the index holds them."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def name_key(text):
    """ "Retrieval-Augmented Generation (RAG)" -> "retrieval augmented generation rag"."""
    return " ".join(tokens(text))


def parse(text):
    """Parse a query safely: "phrases", -excluded, prefix* (of MIN_PREFIX letters or more);
    anything else is a word."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    clauses = []
    for match in _CHUNK.finditer(text):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        chunk = match.group(2) if quoted else match.group(4)
        words = tokens(chunk)[:MAX_CLAUSES]
        if not quoted and len(words) == 1 and words[0] in STOP_WORDS:
            continue
        if not words:
            continue
        kind = "phrase" if quoted or len(words) > 1 else "word"
        if kind == "word" and chunk.endswith("*") and len(words[0]) >= MIN_PREFIX:
            kind = "prefix"
        clauses.append(Clause("not", words) if negated else Clause(kind, words))
    return Query(clauses[:MAX_CLAUSES])
