"""Loading one term with everything its page and the API's detail show, in five queries.

Its queries are compiled once per process (terms.compiled; target: term page and API detail
at ≥ 10 % of a bare view).
"""

from django.db import connection
from django.db.models import F
from django.utils import timezone

from terms.compiled import Compiled, fetch
from terms.models import FAQ, Category, Provider, ProviderEquivalent, Status, Term, UseCase

_term_by_slug = Compiled(
    lambda slug: Term.objects.filter(slug=slug).annotate(
        category_name=F("category__name"), category_slug=F("category__slug")
    ),
    "-",
)
_use_cases = Compiled(lambda pk: UseCase.objects.filter(term_id=pk), 0)
_faqs = Compiled(lambda pk: FAQ.objects.filter(term_id=pk), 0)
_equivalents = Compiled(
    lambda pk: ProviderEquivalent.objects.filter(term_id=pk).annotate(
        provider_name=F("provider__name"),
        provider_short_name=F("provider__short_name"),
        provider_slug=F("provider__slug"),
    ),
    0,
)


def around(term):
    """Every term a term page links to, in one query, each with `kind`: "related",
    "see_also", "mentioned_in" (its text links here or lists this under see also),
    "previous" or "next" (alphabetically). A term may come once per kind.

    Raw SQL because the same query through the ORM takes ~30x longer to compile than to
    run; each branch uses an index (the through tables' foreign keys, the unique index on
    LOWER(name)).
    """
    q = connection.ops.quote_name
    term_table = q(Term._meta.db_table)
    related = q(Term.related_terms.through._meta.db_table)
    see_also = q(Term.see_also.through._meta.db_table)
    mentions = q(Term.mentions.through._meta.db_table)
    # Only published terms: a draft is neither linked nor listed on a public page.
    public = f"(status = '{Status.PUBLISHED}' OR publish_at <= %s) AND deleted_at IS NULL"
    neighbour = (
        "SELECT * FROM (SELECT id, '{kind}' AS kind FROM " + term_table
        + " WHERE LOWER(name) {op} LOWER(%s) AND " + public
        + " ORDER BY LOWER(name) {order} LIMIT 1) AS {kind}"
    )  # fmt: skip
    sql = f"""
        SELECT t.id, t.name, t.slug, t.summary, t.updated_at, x.kind FROM {term_table} t JOIN (
            SELECT to_term_id AS id, 'related' AS kind FROM {related} WHERE from_term_id = %s
            UNION ALL
            SELECT to_term_id, 'see_also' FROM {see_also} WHERE from_term_id = %s
            UNION ALL
            SELECT from_term_id, 'mentioned_in' FROM {mentions} WHERE to_term_id = %s
            UNION ALL
            SELECT from_term_id, 'mentioned_in' FROM {see_also} WHERE to_term_id = %s
            UNION ALL
            {neighbour.format(kind="previous", op="<", order="DESC")}
            UNION ALL
            {neighbour.format(kind="next", op=">", order="ASC")}
        ) x ON x.id = t.id
        WHERE t.deleted_at IS NULL AND (t.status = '{Status.PUBLISHED}' OR t.publish_at <= %s)
        ORDER BY LOWER(t.name), t.id
    """
    now = timezone.now()
    return fetch(Term, sql, [term.pk] * 4 + [term.name, now] * 2 + [now])


def term_page(slug):
    """The term at `slug` with all that its page and API detail show, or None.

    Children come back through `term.use_cases.all()` and the like, as if prefetched, and
    `term.linked` holds `around(term)`.
    """
    found = _term_by_slug(slug)
    if not found:
        return None
    term = found[0]
    term.category = Category(pk=term.category_id, name=term.category_name, slug=term.category_slug)
    equivalents = _equivalents(term.pk)
    for row in equivalents:
        row.provider = Provider(
            pk=row.provider_id,
            name=row.provider_name,
            short_name=row.provider_short_name,
            slug=row.provider_slug,
        )
    term.linked = around(term)
    # Private ORM state: Django has no public way to hand over rows already fetched.
    prefetched = {
        "use_cases": _use_cases(term.pk),
        "provider_equivalents": equivalents,
        "faqs": _faqs(term.pk),
        "related_terms": [t for t in term.linked if t.kind == "related"],
        "see_also": [t for t in term.linked if t.kind == "see_also"],
    }
    term._prefetched_objects_cache = prefetched
    return term
