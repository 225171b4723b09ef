"""What a search gives back: ids, counts, facets, suggestions, and pages of hits."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.utils.html import escape

from terms.models import Category, Term
from terms.search import cache
from terms.search import query as bounds
from terms.search.backends.base import CATEGORIES, DOCUMENTS, TERMS, rows
from terms.search.query import Query
from terms.search.snippets import Highlighter


@dataclass
class Facet:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Suggestion:
    name: str
    slug: str
    url: str


@dataclass
class Hit:
    """A term a search found, with `snippet`: safe HTML in which only <mark> is markup."""

    term: Term
    snippet: str


@dataclass
class SearchResults:
    """Ranked matches for a reader's query (see terms.search.search_terms)."""

    query: str
    ids: list = field(default_factory=list)  # best first, at most MAX_RESULTS
    total: int = 0
    total_capped: bool = False  # more than COUNT_LIMIT match, and total stops there
    phrase_capped: bool = False  # a phrase was looked for in PHRASE_CANDIDATES terms only
    facets: dict = field(default_factory=dict)  # {"category"|"difficulty"|"provider": [Facet]}
    suggestions: list = field(default_factory=list)  # "did you mean" [Suggestion]
    # The corrected query whose results these are, when the query as typed found nothing.
    correction: str | None = None
    parsed: Query | None = field(default=None, repr=False)
    cache_key: str | None = field(default=None, repr=False)  # when the results are cached

    CACHED = (
        "ids",
        "total",
        "total_capped",
        "phrase_capped",
        "facets",
        "suggestions",
        "correction",
    )

    @property
    def phrase_candidates(self):
        return bounds.PHRASE_CANDIDATES

    def page(self, number, per_page=20):
        """A Django Page of Hit(term, snippet) for page `number` (clamped to a valid page):
        the snippet is the best matching passage of the definition, use cases and FAQs, or
        services, else the summary."""
        page = Paginator(self.ids, per_page).get_page(number)
        ids = list(page.object_list)
        # A page's hits are cached beside the results they list, under the same content
        # generation: an edit that alters a hit (name, summary, badges, text) retires both.
        key = f"{self.cache_key}:page:{per_page}:{page.number}" if self.cache_key else None
        hits = cache.get(key) if key else None
        if hits is None:
            found = term_rows(ids, texts=True)
            highlighter = Highlighter(self.parsed) if self.parsed else None
            hits = [
                (row.term, highlighter.snippet(row.texts) if highlighter else "")
                for row in (found[pk] for pk in ids if pk in found)
            ]
            if key:
                cache.set(key, hits, settings.SEARCH_CACHE_SECONDS)
        page.object_list = [
            Hit(term, snippet or escape(term.summary))
            for term, snippet in ((term_from_row(row), snippet) for row, snippet in hits)
        ]
        return page


def _in_field_order(model, names):
    # from_db() takes values in the model's field order, whatever order the names come in.
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


# What a hit, a suggestion or an autocomplete entry shows: the link with its summary
# preview, and the category and difficulty badges.
HIT_TERM = _in_field_order(Term, {"id", "name", "slug", "summary", "difficulty", "category_id"})
HIT_CATEGORY = _in_field_order(Category, {"id", "name", "slug"})
# The document fields a snippet may come from, in the order they are tried.
SNIPPET_SOURCES = ["definition", "body", "services"]


@dataclass
class TermRow:
    """A hit's term as plain values (cacheable), and the texts a snippet is taken from."""

    term: tuple
    texts: tuple = ()


def term_rows(ids, texts=False):
    """{id: TermRow} for these terms, in one query; with `texts`, their snippet sources.
    Raw SQL: the ORM spent longer building the query than the database took to run it."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    columns = [f"t.{name}" for name in HIT_TERM] + [f"c.{name}" for name in HIT_CATEGORY]
    joined = ""
    if texts:
        columns += [f"d.{name}" for name in SNIPPET_SOURCES]
        joined = f" LEFT JOIN {DOCUMENTS} d ON d.term_id = t.id"
    found = rows(
        f"SELECT {', '.join(columns)} FROM {TERMS} t "
        f"JOIN {CATEGORIES} c ON c.id = t.category_id{joined} WHERE t.id IN ({marks})",
        ids,
    )
    width = len(HIT_TERM) + len(HIT_CATEGORY)
    id_at = HIT_TERM.index("id")
    return {row[id_at]: TermRow(tuple(row[:width]), tuple(row[width:])) for row in found}


def term_from_row(values):
    """A Term (with its category) from the values of a TermRow."""
    term = Term.from_db(connection.alias, HIT_TERM, values[: len(HIT_TERM)])
    term.category = Category.from_db(connection.alias, HIT_CATEGORY, values[len(HIT_TERM) :])
    return term


def load_terms(ids):
    """{id: Term} loaded with what a hit shows (see term_rows)."""
    return {pk: term_from_row(row.term) for pk, row in term_rows(ids).items()}
