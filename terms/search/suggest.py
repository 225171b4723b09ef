"""Search for the autocomplete and for the API: names as they are typed, and a QuerySet
ordered by relevance."""

from django.db.models import F, Func, IntegerField

from terms.models import ProviderEquivalent, Term
from terms.search.backends import get_backend
from terms.search.names import names_first, ranked_names
from terms.search.query import MAX_QUERY_CHARS, name_key, parse, words_query
from terms.search.results import load_terms


def suggest(prefix, limit=8):
    """Autocomplete: {"name", "slug", "url", "category", "matched", "provider"} for names and
    aliases starting with `prefix`, then terms with a name, alias or service holding a word
    that starts with it. `matched` is the alias or service the prefix matched when it is
    not the term's name, and `provider` the service's provider ("SageMaker AI → Model
    Training (AWS)"); both None otherwise."""
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
    reasons = _reasons([terms[pk] for pk in ids if pk in terms], key)
    return [
        {
            "name": terms[pk].name,
            "slug": terms[pk].slug,
            "url": terms[pk].get_absolute_url(),
            "category": terms[pk].category.name,
            "matched": reasons.get(pk, (None, None))[0],
            "provider": reasons.get(pk, (None, None))[1],
        }
        for pk in ids
        if pk in terms
    ]


def _starts(text, key):
    """Whether `text`, as a name key, has words starting with the key's words in a row."""
    words, wanted = name_key(text).split(), key.split()
    return any(
        all(word.startswith(want) for word, want in zip(words[i:], wanted, strict=False))
        and len(words) - i >= len(wanted)
        for i in range(len(words))
    )


def _reasons(terms, key):
    """{term id: (the alias or service `key` matched, its provider or None)} for the terms
    whose own name does not explain the match."""
    reasons = {}
    unexplained = [term.pk for term in terms if not _starts(term.name, key)]
    if unexplained:
        for pk, aliases in Term.objects.filter(pk__in=unexplained).values_list("pk", "aliases"):
            alias = next((a for a in aliases or () if isinstance(a, str) and _starts(a, key)), None)
            if alias:
                reasons[pk] = (alias, None)
        unexplained = [pk for pk in unexplained if pk not in reasons]
    if unexplained:
        services = ProviderEquivalent.objects.filter(term_id__in=unexplained).order_by(
            "provider__position", "position"
        )
        rows = services.values_list(
            "term_id", "service", "note", "former_names", "provider__short_name"
        )
        for pk, service, note, former, provider in rows:
            # (the text the prefix may match, what the reader is shown for it)
            shown = [(service, service), (note, f"{service} ({note})")]
            shown += [(name, name) for name in former or () if isinstance(name, str)]
            match = next((label for text, label in shown if text and _starts(text, key)), None)
            if match and pk not in reasons:
                reasons[pk] = (match, provider)
    return reasons


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
