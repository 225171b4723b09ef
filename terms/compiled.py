"""Queries compiled to SQL once per process and run raw afterwards, loading model instances
as the ORM would.

Target: term page and API detail misses at >= 10 % of a bare view's rate. Building and
compiling a QuerySet costs Django ~0.4 ms and running it ~0.05 ms; a page's fixed-shape
queries (terms.term_page, the change log's newest date) skip the first part after their
first run, and their rows become instances as `Model.from_db` would make them, without
`Model.__init__` where nothing needs it. The only shortcut around the ORM, in one place.
"""

from django.db import connection, connections, router
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.sql import Query


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
        make = _made_directly if _plain(self.model) else _made_by_from_db
        objects = []
        for row in rows:
            if self.converters:
                row = list(row)
                for pos, (converters, expression) in self.converters:
                    for converter in converters:
                        row[pos] = converter(row[pos], expression, conn)
            instance = make(self.model, alias, self.attnames, [row[i] for i in self.field_at])
            for name, i in self.extra_at:
                setattr(instance, name, row[i])
            objects.append(instance)
        return objects


def _plain(model):
    """Whether an instance of `model` can be made without Model.__init__: nothing listens
    for its init signals, and its from_db is Django's or adds only what `loaded()` does."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return False
    return model.from_db.__func__ is Model.from_db.__func__ or hasattr(model, "loaded")


def _made_by_from_db(model, alias, attnames, values):
    return model.from_db(alias, attnames, values)


def _made_directly(model, alias, attnames, values):
    """The instance Model.from_db would make of these values (fields left out are deferred),
    built as Model.__init__ leaves it: the fields' values in its __dict__ and a ModelState.
    Private ORM state, for the target above: __init__'s loop over every field of the model
    and its init signals were an eighth of a term page miss's instructions."""
    instance = object.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    if hasattr(instance, "loaded"):
        instance.loaded()
    return instance


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
    """A QuerySet compiled to SQL once per process, then run raw with fresh parameters.

    `build(*placeholders)` must return a QuerySet whose parameters include each placeholder
    once (a value of that type found nowhere else among them); the other parameters are kept
    as compiled. Annotations come back as attributes.
    """

    def __init__(self, build, *placeholders):
        self.build, self.placeholders, self.sql = build, placeholders, {}

    def _compile(self):
        queryset = self.build(*self.placeholders)
        sql, params = queryset.query.sql_with_params()
        positions = []
        for placeholder in self.placeholders:
            found = [
                i
                for i, param in enumerate(params)
                if type(param) is type(placeholder) and param == placeholder
            ]
            assert len(found) == 1, (placeholder, params)
            positions.append(found[0])
        return queryset.model, sql, list(params), positions

    def __call__(self, *values):
        vendor = connection.vendor
        if vendor not in self.sql:
            self.sql[vendor] = self._compile()
        model, sql, params, positions = self.sql[vendor]
        params = params.copy()
        for position, value in zip(positions, values, strict=True):
            params[position] = value
        return fetch(model, sql, params)
