"""Loading one term with everything its page and the API's detail show, in five queries.

This is the term page's shortcut around the ORM (target: term page and API detail at ≥ 10 %
of a bare view): building and compiling a QuerySet costs Django ~0.4 ms and running it
~0.05 ms, so the SQL of each query is compiled once per process and run raw afterwards.
"""

from django.db import connection, connections, router
from django.db.models import F
from django.db.models.sql import Query
from django.utils import timezone

from terms.models import FAQ, Category, Provider, ProviderEquivalent, Status, Term, UseCase


class _Shape:
    """How the rows of one query become model instances, worked out once per process:
    columns named for the model's fields load them (converted as the ORM converts them),
    the others become attributes."""

    def __init__(self, model, names, conn):
        fields = {f.column: f for f in model._meta.concrete_fields}
        self.model = model
        self.field_at = [i for i, name in enumerate(names) if name in fields]
        self.attnames = [fields[names[i]].attname for i in self.field_at]
        self.extra_at = [(name, i) for i, name in enumerate(names) if name not in fields]
        cols = [fields[n].get_col(model._meta.db_table) if n in fields else None for n in names]
        compiler = conn.ops.compiler("SQLCompiler")(Query(model), conn, None)
        self.converters = list(compiler.get_converters(cols).items())

    def load(self, rows, alias, conn):
        objects = []
        for row in rows:
            if self.converters:
                row = list(row)
                for pos, (converters, expression) in self.converters:
                    for converter in converters:
                        row[pos] = converter(row[pos], expression, conn)
            instance = self.model.from_db(alias, self.attnames, [row[i] for i in self.field_at])
            for name, i in self.extra_at:
                setattr(instance, name, row[i])
            objects.append(instance)
        return objects


_shapes = {}


def fetch(model, sql, params):
    """The rows of `sql` as `model` instances, as `model.objects.raw(sql, params)` gives them
    (same database routing, converters and deferred fields), without its per-query set-up:
    a quarter of a term page's CPU went into RawQuerySet's column mapping."""
    alias = router.db_for_read(model)
    conn = connections[alias]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        shape = _shapes.get((conn.vendor, sql))
        if shape is None:
            names = [column[0] for column in cursor.description]
            shape = _shapes[conn.vendor, sql] = _Shape(model, names, conn)
    return shape.load(rows, alias, conn)


class Compiled:
    """A QuerySet compiled to SQL once per process, then run raw with a fresh parameter.

    `build(value)` must return a QuerySet whose only parameter is `value`; annotations come
    back as attributes.
    """

    def __init__(self, build, placeholder):
        self.build, self.placeholder, self.sql = build, placeholder, {}

    def __call__(self, value):
        vendor = connection.vendor
        if vendor not in self.sql:
            queryset = self.build(self.placeholder)
            sql, params = queryset.query.sql_with_params()
            assert params == (self.placeholder,), params
            self.sql[vendor] = (queryset.model, sql)
        model, sql = self.sql[vendor]
        return fetch(model, sql, [value])


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
