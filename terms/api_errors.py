"""The API answers every error in one JSON shape, the schema's `Error`:

    {"errors": [{"code": "required", "field": "faqs[0].answer", "message": "..."}]}

`code` is machine-readable (DRF's error codes: `required`, `not_found`, `throttled`, ...),
`field` the payload or query path the error is about, or null when it is about the request
as a whole. DRF's exception handler covers what views raise; the pieces here cover what it
does not: a body nested too deeply for Python's JSON decoder, a body over Django's size limit,
an unknown URL, a CSRF failure or a server error, which Django would otherwise answer with an
HTML page.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views import csrf, defaults
from rest_framework import exceptions, parsers, status
from rest_framework.exceptions import APIException, ErrorDetail, ParseError, ValidationError
from rest_framework.settings import api_settings


class JSONParser(parsers.JSONParser):
    """DRF's parser, with a body nested deeper than the decoder's recursion a parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is over the size limit."
    default_code = "body_too_large"


def error(code, message, field=None):
    return {"code": code, "field": field, "message": str(message)}


def errors_of(detail, field=None):
    """DRF's nested error detail as a flat list; nested paths read `use_cases[1].outcome`."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(d, (dict, list)) for d in detail):
        items = enumerate(detail)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return [error(getattr(m, "code", None) or "invalid", m, field) for m in messages]
    flat = []
    for key, value in items:
        if isinstance(key, int):
            path = f"{field}[{key}]"
        elif key == api_settings.NON_FIELD_ERRORS_KEY:
            path = field  # a nested list's own errors (too many items) are the list's
        else:
            path = f"{field}.{key}" if field else str(key)
        flat.extend(errors_of(value, path))
    return flat


def body(exc):
    """The `Error` body for an APIException."""
    if isinstance(exc, ValidationError):
        return {"errors": errors_of(exc.detail)}
    code = exc.detail.code if isinstance(exc.detail, ErrorDetail) else exc.default_code
    return {"errors": [error(code, exc.detail)], **getattr(exc, "extra", {})}


# Django's exceptions as DRF's handler would convert them, so their codes are at hand.
DJANGO_EXCEPTIONS = {
    Http404: exceptions.NotFound,
    DjangoPermissionDenied: exceptions.PermissionDenied,
    RequestDataTooBig: lambda *args: BodyTooLarge(),
}


def exception_handler(exc, context):
    """DRF's handler (status, `WWW-Authenticate`, `Retry-After`), answering in the one shape."""
    for django_exception, api_exception in DJANGO_EXCEPTIONS.items():
        if isinstance(exc, django_exception):
            exc = api_exception(*exc.args)
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = body(exc)
    return response


def json_error(status_code, code, message):
    """An error answered outside DRF (a plain Django view), in the same shape."""
    return JsonResponse({"errors": [error(code, message)]}, status=status_code)


def not_found(request):
    """The API's answer to a URL it has no view for."""
    return json_error(status.HTTP_404_NOT_FOUND, "not_found", "Not found.")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (a plain view there, such as the health probe,
    is not DRF's), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error(status.HTTP_403_FORBIDDEN, "csrf_failed", f"CSRF Failed: {reason}")
    return csrf.csrf_failure(request, reason)


def bad_request(request, exception):
    """Django's handler400 (a Host not in ALLOWED_HOSTS, a malformed request), in JSON under
    /api/."""
    if request.path.startswith("/api/"):
        return json_error(status.HTTP_400_BAD_REQUEST, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception)


def server_error(request):
    """Django's handler500 (through glossary.middleware.server_error), in JSON under /api/."""
    if request.path.startswith("/api/"):
        return json_error(status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", "Server error.")
    return defaults.server_error(request)
