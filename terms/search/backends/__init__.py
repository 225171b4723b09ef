"""The search backend for the database in use: one module per database."""

from django.db import connection

from terms.search.backends.postgresql import PostgresBackend
from terms.search.backends.sqlite import SqliteBackend

BACKENDS = {backend.vendor: backend() for backend in (SqliteBackend, PostgresBackend)}


def get_backend():
    return BACKENDS[connection.vendor]
