"""Searching: ranking a query's matches, counting facets, and caching the results.

Ranking: exact name or alias first, then names that start with the query, then full-text
relevance. Ranking every match of a word found in most terms is what makes search slow, so
the backend reads at most COUNT_LIMIT + 1 matches with what the facets count; when more than
RANK_LIMIT match, only the matches in names and services are ranked and the rest follow in
index order.
"""

from collections import Counter
from dataclasses import replace
from itertools import chain

from django.conf import settings
from django.db import connection

from terms.models import ContentGeneration, Difficulty
from terms.search import cache, spelling
from terms.search import query as bounds
from terms.search.backends import get_backend
from terms.search.backends.base import Filters
from terms.search.names import name_ranked
from terms.search.query import Clause, Query, parse
from terms.search.results import Facet, SearchResults


def search_terms(
    query, *, category=None, difficulty=None, provider=None, facets=True, correct=True
):
    """Ranked matches for what a reader typed, narrowed by category (slug), difficulty
    (value) and provider (slug). Without `facets`, neither facets nor "did you mean" are
    worked out (the API lists ids only); with `correct`, a query that finds nothing but has
    a confident correction gives the correction's results (see SearchResults.correction)."""
    text = (query or "").strip()
    parsed = parse(text)
    results = SearchResults(query=text, parsed=parsed)
    if not parsed.clauses:
        return results
    asked = (category, difficulty, provider, facets, correct)
    seconds = settings.SEARCH_CACHE_SECONDS
    # Inside a transaction the index may hold changes that are rolled back later.
    cacheable = seconds > 0 and not connection.in_atomic_block
    generation = ContentGeneration.objects.current() if cacheable else None
    if generation is None:
        return _search(results, *asked)
    # The parsed query, not the text: "RAG" and "rag " are one search.
    key = cache.key(generation, parsed.clauses, *asked)
    cached = cache.get(key)
    if cached is not None:
        results = replace(results, cache_key=key, **cached)
        if results.correction:
            results.parsed = parse(results.correction)
        return results
    # A corrected search comes back as the correction's results, a new object: the key is
    # the query's as typed, whichever object answers it.
    results = _search(results, *asked)
    results.cache_key = key
    cache.set(key, {name: getattr(results, name) for name in results.CACHED}, seconds)
    return results


def _search(results, category, difficulty, provider, facets, correct):
    """Fill in `results` (a parsed query, nothing found yet) from the index."""
    parsed = results.parsed
    filters = Filters.resolve(category, difficulty, provider)
    if filters.impossible:
        return results
    backend = get_backend()
    key = parsed.name_key
    found = backend.find(parsed, filters, key, labels=facets)
    results.phrase_capped = found.phrase_capped
    named = name_ranked(found.names, key)
    fts_ids, name_hits = _fts_ranked(backend, parsed, filters, found)
    if not named:
        fts_ids = _phrase_first(backend, parsed, filters, fts_ids)
    seen = set(named)
    results.ids = (named + [pk for pk in fts_ids if pk not in seen])[: bounds.MAX_RESULTS]
    results.total_capped = len(found.matches) > bounds.COUNT_LIMIT
    if results.total_capped:
        results.total = bounds.COUNT_LIMIT + len(seen.difference(fts_ids))
    else:
        # Every match listed, with those the name indexes add (a phrase too common to rank).
        results.total = len(seen.union(fts_ids))
    if not facets:
        return results
    # Every statement that finds a result reads what the facets count in the same row.
    counted = {row.term_id: row.facets for row in chain(found.names, found.matches, name_hits)}
    results.facets = _facets(
        [counted[pk] for pk in results.ids], found.labels, category, difficulty, provider
    )
    if not named:
        needed, known = spelling.needs_suggestions(parsed, results)
        words = spelling.corrected(backend, parsed, known) if needed else None
        if words:
            results.suggestions = spelling.did_you_mean(backend, words)
            if results.total == 0 and correct and not parsed.negative:
                return _corrected(results, " ".join(words), category, difficulty, provider)
    return results


def _corrected(results, text, category, difficulty, provider):
    """The results of the corrected query `text`, when it finds something: a query that
    found nothing and has a confident correction shows that correction's results at once."""
    fixed = _search(
        SearchResults(query=results.query, parsed=parse(text)),
        category,
        difficulty,
        provider,
        facets=True,
        correct=False,
    )
    if not fixed.total:
        return results
    fixed.correction, fixed.suggestions = text, results.suggestions
    return fixed


def _fts_ranked(backend, parsed, filters, found):
    """Full-text matches, best first; when too many to rank, the matches in names and
    services first, then the rest of the found matches in index order. Also those name
    matches' rows, which `found` may not hold."""
    if len(found.matches) <= bounds.RANK_LIMIT:
        ids = backend.ranked(parsed, filters, found)
        if ids is not None:
            return ids, []
    name_hits = backend.name_hits(parsed, filters, bounds.RANK_LIMIT) or []
    seen = {hit.term_id for hit in name_hits}
    ranked = [hit.term_id for hit in name_hits]
    ranked += [match.term_id for match in found.matches if match.term_id not in seen]
    return ranked[: bounds.MAX_RESULTS], name_hits


def _phrase_first(backend, parsed, filters, ids):
    """`ids` with first those whose names or services hold the query's words side by side
    ("SageMaker Training" is a service's name, not two words in a long text)."""
    words = parsed.words
    if len(words) < 2 or len(parsed.positive) != len(words) or len(ids) < 2:
        return ids
    phrase = Query([Clause("phrase", words), *parsed.negative])
    first = backend.name_ids(phrase, filters, PHRASE_FIRST)
    if not first:
        return ids
    listed = set(ids)
    first = [pk for pk in first if pk in listed]
    chosen = set(first)
    return first + [pk for pk in ids if pk not in chosen]


PHRASE_FIRST = 20  # terms moved first because a name or service holds the query's words


def _facets(rows, labels, category, difficulty, provider):
    """Facet counts over (category_id, difficulty, providers) rows, one per result."""
    by_category, difficulties, by_provider = Counter(), Counter(), Counter()
    # Counted in C; results share a few hundred combinations at most, each split once.
    for (category_id, level, providers), count in Counter(rows).items():
        by_category[category_id] += count
        difficulties[level] += count
        for pk in filter(None, providers.split(",")):
            by_provider[int(pk)] += count
    categories = sorted(
        (label for label in labels if label.kind == "c" and label.pk in by_category),
        key=lambda label: (-by_category[label.pk], label.name),
    )
    providers = sorted(
        (label for label in labels if label.kind == "p" and label.pk in by_provider),
        key=lambda label: (label.position, label.name),
    )
    return {
        "category": [
            Facet(c.slug, c.name, by_category[c.pk], c.slug == category) for c in categories
        ],
        "difficulty": [
            Facet(value, label, difficulties[value], value == difficulty)
            for value, label in Difficulty.choices
            if value in difficulties
        ],
        "provider": [
            Facet(p.slug, p.name, by_provider[p.pk], p.slug == provider) for p in providers
        ],
    }
