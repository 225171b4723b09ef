"""Answer 503, not 500, while the database cannot be reached."""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.middleware import http
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

from terms import api_errors

logger = logging.getLogger(__name__)

# Seconds a client should wait: the database's connect timeout, rounded up.
RETRY_AFTER = 5


class DatabaseUnavailableMiddleware:
    """A view that could not reach the database (stopped, restarting, past its timeouts)
    answers 503 with Retry-After: JSON under /api/, a page elsewhere. Connections recover on
    their own: Django checks a persistent connection before reusing it after an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable(request, exception)


def database_unavailable(request, exception):
    """The 503 for a database that could not be reached, or None for any other error."""
    # The driver's own errors too: Django leaves some unwrapped, such as closing a
    # server-side cursor (a queryset's iterator()) on a connection the server ended.
    driver = connection.Database
    unreachable = (
        OperationalError,
        InterfaceError,
        driver.OperationalError,
        driver.InterfaceError,
    )
    if not isinstance(exception, unreachable):
        return None
    logger.warning("database unavailable for %s: %s", request.path, exception)
    if request.path.startswith("/api/"):
        response = api_errors.json_error(
            503,
            "database_unavailable",
            "The glossary's database is unavailable; try again shortly.",
        )
    else:
        # A page that needs nothing from the database, rendered now.
        response = SimpleTemplateResponse("503.html", status=503).render()
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's, with HEAD answered as GET is: the same ETag (made from the body, which
    the server drops afterwards), and 304 for a matching If-None-Match."""

    def process_response(self, request, response):
        if request.method != "HEAD":
            return super().process_response(request, response)
        # Only a body the view rendered names the GET's content (the server drops it later).
        has_body = not response.streaming and response.content
        if has_body and self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        if etag or last_modified:
            return get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            )
        return response


def server_error(request):
    """Django's handler500: a 503 when what failed was reaching the database, wherever it
    failed (in the 404 handler or a middleware's response step, which no middleware's
    process_exception() sees); otherwise terms.api_errors.server_error."""
    # Django calls its handler500 while handling the exception, which it does not pass on.
    return database_unavailable(request, sys.exc_info()[1]) or api_errors.server_error(request)
