"""Reads from PostgreSQL streaming replicas, without an editor ever reading a stale copy.

`DATABASE_REPLICA_URLS` names the replicas (settings.DATABASE_REPLICAS). A reader who is not
signed in reads from one of them: a page a moment behind the primary is what a replica
costs. The primary serves everything else: each write, each read inside a transaction (it
may be followed by a write that depends on it), and every request from a signed-in editor,
an API client with credentials, the admin, or any method that may change something. So an
editor always reads what they just wrote, however far the replicas lag.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# The database this request reads from, chosen once when it starts, so that all of a page
# comes from one replica (replicas lag by different amounts). Outside a request (commands,
# migrations, shells) everything stays on the primary.
reads_from = ContextVar("reads_from", default=DEFAULT_DB_ALIAS)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def needs_primary(request):
    """Whether `request` may write, or comes from someone who may have just written."""
    return (
        request.method not in SAFE_METHODS
        or request.path.startswith("/admin/")
        # Signed in: the session itself may be too new for a replica.
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "Authorization" in request.headers
    )


class PrimaryForEditorsMiddleware:
    """Chooses the request's database before anything reads one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = settings.DATABASE_REPLICAS
        chosen = DEFAULT_DB_ALIAS if not replicas or needs_primary(request) else None
        token = reads_from.set(chosen or random.choice(replicas))
        try:
            return self.get_response(request)
        finally:
            reads_from.reset(token)


class PrimaryReplicaRouter:
    """Writes, migrations and marked requests on the primary; other reads on a replica."""

    def db_for_read(self, model, **hints):
        # A read inside a transaction may decide a write: it must see the primary's rows.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return reads_from.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas are read-only copies: they receive the primary's schema by streaming.
        return db == DEFAULT_DB_ALIAS
