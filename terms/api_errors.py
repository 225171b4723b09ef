"""The API answers every error in JSON, in the shapes its schema documents.

DRF's exception handler covers what views raise; the pieces here cover what it does not: a
body nested too deeply for Python's JSON decoder, a body over Django's size limit, and a
CSRF failure or a server error, which Django would otherwise answer with an HTML page.
"""

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import csrf, defaults
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

from glossary.middleware import database_unavailable


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


def as_api_exception(exc):
    """Exceptions DRF leaves to Django that the API answers itself."""
    if isinstance(exc, RequestDataTooBig):
        return BodyTooLarge()
    return exc


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (a plain view there, such as the health probe,
    is not DRF's), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason)


def server_error(request):
    """Django's handler500, in JSON under /api/; a 503 when what failed was reaching the
    database, wherever it failed: in the 404 handler or a middleware's response step, which
    no middleware's process_exception() sees."""
    # Django calls its handler500 while handling the exception, which it does not pass on.
    unavailable = database_unavailable(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
