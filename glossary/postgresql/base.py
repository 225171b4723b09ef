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
from psycopg import pq

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


def _checked(pgconn, result):
    """`result`, or the error it reports raised as psycopg would (Django wraps it)."""
    if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        return result
    message = (result.error_message or pgconn.error_message).decode(errors="replace")
    if pgconn.status == pq.ConnStatus.BAD:
        raise base.Database.OperationalError(message)
    raise base.Database.DatabaseError(message)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unbounded = 0  # depth of unbounded() blocks
        self._prepared = (None, set())  # (the libpq connection, its statements' names)
        self.execute_wrappers.append(self._watched_execute)

    def prepared_value(self, name, sql):
        """The first column of the first row `sql` returns, as text (None for no row): a
        statement prepared once per connection under `name`, then run through libpq.

        Target: a page cache hit (one generation read) at >= 85 % of a bare view's rate. Its
        query takes the database less than Django's cursor and psycopg's take to send it, so
        it goes through psycopg's documented low-level `pgconn`, prepared (no parse or plan
        per request), under the same timeout watchdog and error wrapping as any query. While
        queries are logged (DEBUG, tests' query counts) it is an ordinary query.
        """
        if self.queries_logged:
            with self.cursor() as cursor:
                cursor.execute(sql)
                row = cursor.fetchone()
            return None if row is None else str(row[0])
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors, self._watched():
            pgconn = self.connection.pgconn
            if self._prepared[0] is not pgconn:
                self._prepared = (pgconn, set())
            if name not in self._prepared[1]:
                _checked(pgconn, pgconn.prepare(name.encode(), sql.encode()))
                self._prepared[1].add(name)
            result = _checked(pgconn, pgconn.exec_prepared(name.encode(), None))
            return result.get_value(0, 0).decode() if result.ntuples else None

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
