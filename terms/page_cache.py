"""Anonymous pages and API reads from the shared cache, never stale.

Each response is stored under the content generation read at the start of its request
(terms.models.ContentGeneration, as the search results are): every content change counts
one generation in its own transaction, so once a change commits, every process's next
request reads the new count and finds no entry for it. Nothing is invalidated or copied
between servers; entries of past generations just expire.

The middleware sits near the top of the stack: a hit is answered before the session,
authentication, CSRF and view work it does not need, with the headers its miss stored
(ETag, Last-Modified, CSP, Content-Type, Cache-Control, Vary); the outer middleware
(security headers) adds the same to both.
"""

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_cache_control

from glossary.middleware import ConditionalGetMiddleware, database_unavailable
from terms import api_headers
from terms.models import ContentGeneration

logger = logging.getLogger(__name__)

SAFE = ("GET", "HEAD")
# Request headers a stored response may differ by, and under which paths: DRF picks the
# API's format by Accept; CORS answers by Origin. A response that says it varies by any other
# header (besides Cookie: see below) is not stored.
KEYED_HEADERS = {"Accept": "/api/", "Origin": "/"}
# The request headers ConditionalGetMiddleware answers (304, 412) by.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Django's message framework keeps its messages under this cookie (CookieStorage).
MESSAGES_COOKIE = "messages"


def exempt(view):
    """Mark a view whose answers are never cached (and whose requests read no generation:
    a liveness probe must not touch the database)."""
    view.page_cache_exempt = True
    return view


def is_anonymous(request):
    """No session, no messages, no credentials: the reader everyone else is. With neither
    cookie the session is empty, so a response that varies by Cookie is the same for every
    such request, whatever other cookies it carries."""
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and MESSAGES_COOKIE not in cookies


def _exempt_path(request):
    return _exempt(getattr(request, "urlconf", None) or get_urlconf(), request.path_info)


# A hit resolves no URL: a path's answer is the same until the code changes (bounded, as
# paths are the client's to choose).
@lru_cache(maxsize=4096)
def _exempt(urlconf, path):
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return True  # a 404 is not cached anyway: no need to read the generation
    return getattr(match.func, "page_cache_exempt", False)


def asked(request):
    """What this request's response may differ by (besides the generation), as a tuple; None
    for a host not allowed (the request goes on to get Django's own 400)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    path = request.path_info
    varies = tuple(
        request.headers.get(header, "") if path.startswith(prefix) else ""
        for header, prefix in KEYED_HEADERS.items()
    )
    return (request.method, request.scheme, host, request.get_full_path(), *varies)


def key(generation, request_asked):
    """The shared cache's entry for what a request `asked` at `generation`."""
    return "page:" + hashlib.sha256(json.dumps([generation, *request_asked]).encode()).hexdigest()


def conditional(request):
    """Whether the request asks conditionally: only then does a hit need Django's rules."""
    meta = request.META
    return any(header in meta for header in CONDITIONAL_HEADERS)


def _storable(response):
    """A complete 200 that is the same for every anonymous reader, whose CSP holds up when
    replayed (no per-request nonce)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    if "'nonce-" in response.get("Content-Security-Policy", ""):
        return False
    varies = {h.strip().lower() for h in response.get("Vary", "").split(",") if h.strip()}
    return varies <= {h.lower() for h in KEYED_HEADERS} | {"cookie"}


def _stored(response):
    # A rate-limit count is the asking client's, at the time it asked: a hit gets its own.
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name not in api_headers.RATE_LIMIT_HEADERS
    ]
    return response.status_code, headers, response.content


def _replayed(entry):
    status, headers, body = entry
    return HttpResponse(body, status=status, headers=dict(headers))


class ProcessMemory:
    """This process's copies of the current generation's entries, most recently used kept:
    a hit then needs no round trip to Redis. Keyed like the shared cache, so a copy is never
    stale either; a new generation empties it at once."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._clear(None)

    def clear(self):
        with self._lock:
            self._clear(None)

    def _clear(self, generation):
        self.generation, self.entries, self.size = generation, OrderedDict(), 0

    def get(self, generation, key):
        with self._lock:
            if generation != self.generation:
                self._clear(generation)
                return None
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, generation, key, entry):
        size = len(entry[2])
        if size > self.max_bytes:
            return
        with self._lock:
            if generation != self.generation:
                self._clear(generation)
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped[2])


memory = ProcessMemory(max_bytes=32 * 1024 * 1024)


def current_generation():
    """The content generation, its query standing in for the connection's health check.

    Target: a hit at >= 85 % of a bare view's rate. With CONN_HEALTH_CHECKS, Django pings a
    reused connection (SELECT 1) before its first query of each request: a hit's round trips
    would be two, not one. Nothing public skips that ping, so this marks it done and runs
    the generation read instead; if the connection turns out dead, it does what a failed
    check does (close it) and reads again on a fresh one.
    """
    database = connections[ContentGeneration.objects.db]
    if database.connection is None or database.health_check_done:
        return ContentGeneration.objects.current()
    database.health_check_done = True
    try:
        return ContentGeneration.objects.current()
    except DatabaseError:
        database.close()
        return ContentGeneration.objects.current()


def _cache_call(method, *args):
    # A cache that is down costs the reader speed, never the page (the fail-open Redis
    # cache already answers from memory; this guards any other backend).
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None


def _rate_limit_headers(request):
    # The throttles count in the same cache: one that is down costs the hit its rate-limit
    # headers, never its answer.
    try:
        return api_headers.for_cached_read(request)
    except Exception:
        logger.warning("rate-limit counts unavailable", exc_info=True)
        return {}


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Conditional requests on a hit are answered as on a miss, by Django's own rules.
        self.conditional = ConditionalGetMiddleware(get_response)

    def __call__(self, request):
        if request.method not in SAFE:
            return self.get_response(request)
        if _exempt_path(request):
            return self.get_response(request)
        anonymous = is_anonymous(request)
        if not (anonymous and settings.PAGE_CACHE_SECONDS):
            return add_cache_control(self.get_response(request), anonymous)
        try:
            generation = current_generation()
        except DatabaseError as exc:
            # What the view would meet next: answer its 503 now, not after a second wait.
            return database_unavailable(request, exc) or self.get_response(request)
        request_asked = asked(request) if generation is not None else None
        if request_asked:
            # This process's copy first: no hashing, no round trip.
            entry = memory.get(generation, request_asked)
            if entry is None:
                entry = _cache_call("get", key(generation, request_asked))
                if entry is not None:
                    memory.put(generation, request_asked, entry)
            if entry is not None:
                response = _replayed(entry)
                if request.path_info.startswith("/api/"):
                    for name, value in _rate_limit_headers(request).items():
                        response[name] = value
                if conditional(request):
                    return self.conditional.process_response(request, response)
                return response
        response = add_cache_control(self.get_response(request), anonymous)
        if request_asked and _storable(response):
            entry = _stored(response)
            _cache_call("set", key(generation, request_asked), entry, settings.PAGE_CACHE_SECONDS)
            memory.put(generation, request_asked, entry)
        return response


def add_cache_control(response, anonymous):
    """Browsers and CDNs keep a page briefly and then ask again (the ETag makes that cheap);
    anyone signed in always asks again, so an editor sees their change at once."""
    if response.status_code != 200 or response.has_header("Cache-Control") or response.cookies:
        return response
    if anonymous:
        patch_cache_control(response, max_age=settings.PAGE_MAX_AGE, must_revalidate=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response
