"""Probes for load balancers and orchestrators.

Liveness (`/healthz`) says the process answers: it touches neither the database nor the
cache, so a database outage never gets a healthy worker restarted. Readiness (`/readyz`) says
whether this instance can serve now: it asks the database, each replica, Redis when one is
configured, and the task queue, and answers 503 naming what is down. It also says when a
task worker was last alive (`task_worker`): a note for the operator, not a reason to take
the app servers out of the balancer.
`/api/v1/health/` and `/api/v1/health/ready/` are the same views, for balancers set up
before the short paths existed.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from glossary.middleware import RETRY_AFTER
from terms import page_cache, webhooks

# A worker notes that it is alive every few seconds (terms/management/commands/worker.py).
WORKER_SEEN_WITHIN = 60


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
    checks["task_queue"] = _task_queue()
    ok = all(state == "ok" for state in checks.values())
    notes = {"task_worker": _task_worker()} if checks["task_queue"] == "ok" else {}
    response = JsonResponse({"status": "ok" if ok else "unavailable", **checks, **notes})
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


def _task_queue():
    """The queue's own store: for the database backend, its table."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        return "ok"  # in-process backends (immediate, dummy) have nothing to reach
    try:
        DBTaskResult.objects.exists()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines() or [type(exc).__name__]
        return f"unavailable: {reason[0]}"
    return "ok"


def _task_worker():
    """When a worker was last alive: it says so every few seconds."""
    try:
        seen = webhooks.last_worker_seen()
    except DatabaseError:
        return "unknown"
    if seen is None:
        return "never seen"
    ago = (timezone.now() - seen).total_seconds()
    state = "seen" if ago <= WORKER_SEEN_WITHIN else "not seen since"
    return f"{state} {seen.isoformat(timespec='seconds')} ({ago:.0f}s ago)"


def _cache():
    cache = caches["default"]
    # The fail-open cache answers from memory while Redis is down; ask Redis itself.
    try:
        cache.client.get_client().ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return f"unavailable: {type(exc).__name__}"
    return "ok"
