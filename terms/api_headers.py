"""Headers the API answers with for integrators: rate-limit state, and CORS that lets
browser apps read everything, write from the origins an operator names, and nothing more.

Rate limits come from the throttles DRF has just checked (terms.api's viewsets), or, for an
anonymous read answered from the shared page cache, from the same throttle's stored count.
A cached answer is not counted against the budget: it costs the server next to nothing.
"""

import bisect
import math
import threading
import time
from collections import OrderedDict

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
    # Newest first, so those still in the window lead: found by bisection, not a pass over
    # every counted request (a page cache hit reads this; the history can hold thousands).
    counted = bisect.bisect_left(history, -(now - duration), key=lambda moment: -moment)
    reset = history[counted - 1] + duration - now if counted else 0
    return {
        LIMIT: str(num_requests),
        REMAINING: str(max(0, num_requests - counted)),
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


class RecentCounts:
    """The throttle histories this process has read or counted in the last `max_age`
    seconds, by throttle key, the newest `max_keys` kept.

    Target: cached API reads >= 85 % of the bare view's rate. A page cache hit would
    otherwise spend a Redis round trip on its rate-limit headers, more than the hit itself
    costs. A hit is not counted, so the headers it shows come from a count at most
    `max_age` old; what this process counts itself it sees at once.
    """

    def __init__(self, max_age=1.0, max_keys=10_000):
        self.max_age, self.max_keys = max_age, max_keys
        self._lock = threading.Lock()
        self._entries = OrderedDict()

    def clear(self):
        with self._lock:
            self._entries.clear()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
        if found is None or time.monotonic() - found[0] > self.max_age:
            return None
        return found[1]

    def put(self, key, history):
        with self._lock:
            self._entries[key] = (time.monotonic(), list(history))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)


recent_counts = RecentCounts()


def for_cached_read(request):
    """The headers of an anonymous read answered from the page cache: the API's throttles'
    counts for this client, read (or recently read, see RecentCounts) and not added to."""
    asking = _CachedReadRequest(request)
    throttles = []
    for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
        throttle = throttle_class()
        key = throttle.get_cache_key(asking, None) if throttle.rate is not None else None
        if key is not None:
            throttles.append((throttle, key))
    if not throttles:
        return {}
    histories = {key: recent_counts.get(key) for _, key in throttles}
    unknown = [key for key, history in histories.items() if history is None]
    if unknown:
        # One round trip for every throttle's count (DRF's throttles share the default
        # cache), not one each.
        read = throttles[0][0].cache.get_many(unknown)
        for key in unknown:
            histories[key] = read.get(key, [])
            recent_counts.put(key, histories[key])
    states = [
        rate_limit(t.num_requests, t.duration, histories[key], t.timer()) for t, key in throttles
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
        for throttle in self.checked_throttles:
            if getattr(throttle, "history", None) is not None:
                recent_counts.put(throttle.key, throttle.history)
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
