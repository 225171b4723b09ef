"""Probes for load balancers and orchestrators.

Liveness (`/healthz`) says the process answers: it touches neither the database nor the
cache, so a database outage never gets a healthy worker restarted. Readiness (`/readyz`) says
whether this instance can serve now: it asks the database, each replica and, when one is
configured, Redis, and answers 503 naming what is down. There is no task queue yet to ask.
`/api/v1/health/` and `/api/v1/health/ready/` are the same views, for balancers set up
before the short paths existed.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from glossary.middleware import RETRY_AFTER
from terms import page_cache


@page_cache.exempt
@never_cache
def live(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


@page_cache.exempt
@never_cache
def ready(request):
    """The database, its replicas, and Redis when configured, answer."""
    checks = {"database": _database(DEFAULT_DB_ALIAS)}
    checks |= {alias: _database(alias) for alias in settings.DATABASE_REPLICAS}
    if settings.REDIS_URL:
        checks["cache"] = _cache()
    ok = all(state == "ok" for state in checks.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", **checks})
    if not ok:
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def _database(alias):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines() or [type(exc).__name__]
        return f"unavailable: {reason[0]}"
    return "ok"


def _cache():
    cache = caches["default"]
    # The fail-open cache answers from memory while Redis is down; ask Redis itself.
    try:
        cache.client.get_client().ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return f"unavailable: {type(exc).__name__}"
    return "ok"
