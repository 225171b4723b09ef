"""Search for the autocomplete and for the API: names as they are typed, and a QuerySet
ordered by relevance."""

from django.db.models import F, Func, IntegerField

from terms.search.backends import get_backend
from terms.search.names import names_first, ranked_names
from terms.search.query import MAX_QUERY_CHARS, name_key, parse, words_query
from terms.search.results import load_terms


def suggest(prefix, limit=8):
    """Autocomplete: {"name", "slug", "url", "category"} for names and aliases starting with
    `prefix`, then names containing a word that starts with it."""
    key = name_key(prefix or "")[:MAX_QUERY_CHARS]
    if not key:
        return []
    backend = get_backend()
    ids = names_first(backend, key, limit)
    words = parse(prefix).words
    if len(ids) < limit and words:
        more = ranked_names(backend, words_query(words, last_is_prefix=True), limit * 2)
        ids += [pk for pk in more if pk not in ids][: limit - len(ids)]
    terms = load_terms(ids)
    return [
        {
            "name": terms[pk].name,
            "slug": terms[pk].slug,
            "url": terms[pk].get_absolute_url(),
            "category": terms[pk].category.name,
        }
        for pk in ids
        if pk in terms
    ]


class Position(Func):
    """A row's place in a list of ids (1 = first; NULL when absent), in the backend's SQL."""

    output_field = IntegerField()

    def __init__(self, ids):
        self.ids = list(ids)
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        template, values = get_backend().ordered_by(self.ids)
        return template.format(column=column), [*values, *params]


def rank_queryset(queryset, results):
    """`queryset` narrowed to the terms of `results` (a SearchResults), annotated
    `search_rank` (1 = best) and ordered by it; a later order_by() replaces the ranking."""
    ranked = queryset.filter(pk__in=results.ids).annotate(search_rank=Position(results.ids))
    return ranked.order_by("search_rank")
