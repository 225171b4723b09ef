"""The API's query parameters: each view reads a known set, and anything else is a 400.

A typo (`categroy=storage`) would otherwise give the unfiltered list with a 200, and a
repeated parameter (`category=a&category=b`) would silently keep only the last value; several
values are given once, comma-separated. `fields=` picks the fields of a list's items or of a
detail (sparse fieldsets).
"""

import difflib

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

FORMAT = "format"
FIELDS = "fields"


def unknown_parameter(name, known):
    """The message for a parameter the endpoint does not read, with the nearest it does."""
    near = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean `{near[0]}`?" if near else ""
    listed = ", ".join(f"`{k}`" for k in sorted(known))
    return f"Unknown query parameter.{hint} This endpoint reads {listed}."


def check(query_params, known):
    """A 400 naming every parameter not in `known`, and every one given more than once."""
    errors = {}
    for name in query_params:
        if name not in known:
            errors[name] = [unknown_parameter(name, known)]
        elif len(query_params.getlist(name)) > 1:
            errors[name] = [
                f"Given more than once: give several values once, comma-separated (`{name}=a,b`)."
            ]
    if errors:
        raise ValidationError(errors, code="invalid_parameter")


def chosen_fields(query_params, available):
    """The fields `fields=` asks for, in the representation's order; None when it names
    none (every field, as an empty filter filters nothing). A name the representation does
    not have is a 400 naming it."""
    names = [name.strip() for name in query_params.get(FIELDS, "").split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if unknown:
        listed = ", ".join(f"`{f}`" for f in available)
        wrong = ", ".join(f"`{u}`" for u in unknown)
        message = f"No field {wrong} here. Choose among {listed}."
        raise ValidationError({FIELDS: [message]}, code="invalid")
    return [name for name in available if name in names] or None


def fields_parameter(serializer_class):
    """`fields=` in the schema, naming the fields of what `serializer_class` gives."""
    return OpenApiParameter(
        FIELDS,
        {"type": "array", "items": {"type": "string", "enum": serializer_class.Meta.fields}},
        OpenApiParameter.QUERY,
        style="form",
        explode=False,
        description=(
            "Only these fields of each object, comma-separated (`name,slug,url`); an unknown "
            "field is a 400 naming it. Left out or empty, every field."
        ),
    )


def select(data, fields):
    """A representation (an object, a list of them, or a page of them) with only `fields`."""
    if isinstance(data, list):
        return [select(item, fields) for item in data]
    if isinstance(data, dict) and "results" in data and "results" not in fields:
        return {**data, "results": select(data["results"], fields)}
    if isinstance(data, dict):
        return {name: data[name] for name in fields if name in data}
    return data


class QueryParamsMixin:
    """For API views: query parameters are checked before any work; `fields=` is read on a
    viewset's list and retrieve. A view with parameters of its own lists them in
    `query_parameters`."""

    query_parameters = ()
    sparse = None

    def known_query_parameters(self):
        known = {FORMAT, *self.query_parameters}
        if self._action() in ("list", "retrieve") and self.sparse_fields_available():
            known.add(FIELDS)
        if self._action() == "list":
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                known |= set(filterset_class.base_filters)
            else:
                # django-filter builds the FilterSet of `filterset_fields` from those names.
                known |= set(getattr(self, "filterset_fields", None) or ())
            paginator = getattr(self, "paginator", None)
            if paginator is not None:
                known |= {paginator.page_query_param, paginator.page_size_query_param}
        return known

    def _action(self):
        # A plain APIView (the sync feed, the equivalents lookup) has no viewset action.
        return getattr(self, "action", None)

    def sparse_fields_available(self):
        """The fields of this action's representation, in order; () if it has none."""
        if not hasattr(self, "get_serializer_class"):
            return ()
        meta = getattr(self.get_serializer_class(), "Meta", None)
        return tuple(getattr(meta, "fields", ()))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "OPTIONS" or not hasattr(self, request.method.lower()):
            return  # a description of the endpoint, or DRF's 405: no parameters are read
        check(request.query_params, self.known_query_parameters())
        if FIELDS in request.query_params and self._action() in ("list", "retrieve"):
            self.sparse = chosen_fields(request.query_params, self.sparse_fields_available())

    def finalize_response(self, request, response, *args, **kwargs):
        if self.sparse is not None and response.status_code == 200:
            response.data = select(response.data, self.sparse)
        return super().finalize_response(request, response, *args, **kwargs)
