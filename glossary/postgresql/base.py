"""Django's PostgreSQL backend, with a client-side bound on every wait for the server.

`statement_timeout` (settings.py) bounds a statement on a server that runs; a server that
hangs (stopped processes, a frozen host) never answers at all, and a socket to it blocks
forever, since the kernel still acknowledges what is sent. A watchdog thread shuts the
socket of any query, commit or health check that outlives the statement timeout by a
margin, so the wait ends in an OperationalError (a 503 for a request) and Django drops the
connection; the next request connects afresh, bounded by `connect_timeout`.
"""

import socket
import threading
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db.backends.postgresql import base

# Past the server's own statement timeout: a server that runs always cancels first.
MARGIN_SECONDS = 2
# A health check's `SELECT 1` answers at once from any server that runs.
HEALTH_CHECK_SECONDS = 2


class _Watchdog:
    """Shuts the sockets of waits that pass their deadline; one thread per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waits = {}  # token: (deadline, socket file descriptor)
        self._thread = None

    @contextmanager
    def watch(self, fileno, seconds):
        token = object()
        with self._lock:
            self._waits[token] = (time.monotonic() + seconds, fileno)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._waits.pop(token, None)  # gone already if it expired

    def _run(self):
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            with self._lock:
                expired = [
                    (token, fileno)
                    for token, (deadline, fileno) in self._waits.items()
                    if deadline <= now
                ]
                for token, _ in expired:
                    del self._waits[token]
            for _, fileno in expired:
                _shut(fileno)


def _shut(fileno):
    """End the TCP connection under a descriptor that libpq keeps: its blocked read returns."""
    try:
        # fromfd() duplicates the descriptor; shutdown() acts on the connection both share.
        with socket.fromfd(fileno, socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


watchdog = _Watchdog()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unbounded = 0  # depth of unbounded() blocks
        self.execute_wrappers.append(self._watched_execute)

    @contextmanager
    def _watched(self, seconds=None):
        timeout = settings.DATABASE_STATEMENT_TIMEOUT
        seconds = seconds or timeout + MARGIN_SECONDS
        fileno = None
        if timeout and not self._unbounded and self.connection is not None:
            # A connection already lost has no socket; its call fails at once by itself.
            with suppress(base.Database.Error):
                fileno = self.connection.fileno()
        if fileno is None:
            yield
            return
        with watchdog.watch(fileno, seconds):
            yield

    def _watched_execute(self, execute, sql, params, many, context):
        with self._watched():
            return execute(sql, params, many, context)

    def is_usable(self):
        with self._watched(HEALTH_CHECK_SECONDS):
            return super().is_usable()

    def _commit(self):
        with self._watched():
            return super()._commit()

    def _rollback(self):
        with self._watched():
            return super()._rollback()

    @contextmanager
    def unbounded(self):
        """Statements without the timeout, for maintenance that takes long by design (a
        rebuild of the search index)."""
        if not self._unbounded:
            with self.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        self._unbounded += 1
        try:
            yield
        finally:
            self._unbounded -= 1
            if not self._unbounded and not self.needs_rollback and self.connection is not None:
                with self.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
