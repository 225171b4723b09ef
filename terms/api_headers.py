"""Headers the API answers with for integrators: rate-limit state, and CORS that lets
browser apps read everything, write from the origins an operator names, and nothing more.

Rate limits come from the throttles DRF has just checked (terms.api's viewsets), or, for an
anonymous read answered from the shared page cache, from the same throttle's stored count.
A cached answer is not counted against the budget: it costs the server next to nothing.
"""

import math

from corsheaders import middleware as cors
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.settings import api_settings

LIMIT, REMAINING, RESET = "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"
RATE_LIMIT_HEADERS = (LIMIT, REMAINING, RESET)

READ_METHODS = ("GET", "HEAD", "OPTIONS")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def rate_limit(num_requests, duration, history, now):
    """The three headers for a throttle allowing `num_requests` per `duration` seconds that
    has counted the requests at the times in `history` (newest first): how many are left,
    and the seconds until the oldest counted one leaves the window (what a 429's
    Retry-After also says)."""
    history = [moment for moment in history if moment > now - duration]
    reset = history[-1] + duration - now if history else 0
    return {
        LIMIT: str(num_requests),
        REMAINING: str(max(0, num_requests - len(history))),
        RESET: str(math.ceil(reset)),
    }


def from_throttles(throttles):
    """The headers of the throttle nearest its limit among those that counted the request
    (DRF's anonymous throttle skips a signed-in client, and the user throttle an
    anonymous one); none if no throttle counted it."""
    states = [
        rate_limit(t.num_requests, t.duration, t.history, t.now)
        for t in throttles
        if getattr(t, "history", None) is not None
    ]
    return min(states, key=lambda headers: int(headers[REMAINING]), default={})


class _CachedReadRequest:
    """The request as DRF's throttles see it: its user is anonymous (the page cache serves
    no one else; authentication has not run yet), the rest is the request's."""

    user = AnonymousUser()

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return getattr(self._request, name)


def for_cached_read(request):
    """The headers of an anonymous read answered from the page cache: the API's throttles'
    counts for this client, read and not added to."""
    asking = _CachedReadRequest(request)
    throttles = []
    for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
        throttle = throttle_class()
        key = throttle.get_cache_key(asking, None) if throttle.rate is not None else None
        if key is not None:
            throttles.append((throttle, key))
    if not throttles:
        return {}
    # One round trip for every throttle's count (DRF's throttles share the default cache),
    # not one each: a hit's headers must not cost more than the hit (target: cached API
    # reads >= 85 % of the bare view).
    histories = throttles[0][0].cache.get_many([key for _, key in throttles])
    states = [
        rate_limit(t.num_requests, t.duration, histories.get(key, []), t.timer())
        for t, key in throttles
    ]
    return min(states, key=lambda headers: int(headers[REMAINING]))


class RateLimitHeadersMixin:
    """For API views: the rate-limit headers on every answer that a throttle counted,
    429s included."""

    checked_throttles = ()

    def get_throttles(self):
        # DRF builds fresh throttles for its check and drops them; keep them to report.
        self.checked_throttles = super().get_throttles()
        return self.checked_throttles

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in from_throttles(self.checked_throttles).items():
            response[name] = value
        return response


def _write_origins():
    return {origin.rstrip("/") for origin in settings.CORS_WRITE_ORIGINS}


class CorsMiddleware(cors.CorsMiddleware):
    """django-cors-headers with reads open to every origin and writes only to those in
    DJANGO_CORS_WRITE_ORIGINS: their preflights allow the write methods, and a write's
    answer is readable by them alone. Writes need a token, never cookies, either way."""

    def add_response_headers(self, request, response):
        response = super().add_response_headers(request, response)
        if cors.ACCESS_CONTROL_ALLOW_ORIGIN not in response:
            return response
        if request.headers.get("origin", "").rstrip("/") in _write_origins():
            if request.method == "OPTIONS":
                response[cors.ACCESS_CONTROL_ALLOW_METHODS] = ", ".join(
                    READ_METHODS + WRITE_METHODS
                )
        elif request.method not in READ_METHODS:
            # Sent anyway (a "simple" request needs no preflight): its answer stays unread.
            del response[cors.ACCESS_CONTROL_ALLOW_ORIGIN]
            response.headers.pop(cors.ACCESS_CONTROL_EXPOSE_HEADERS, None)
        return response
