"""Real processes for the outage tests: skipped where a server binary is missing on a
developer's machine, a failure in CI, where every one must exist."""

import os

import pytest

from bench import servers


def started(server):
    """`server`, started; skip (or fail under CI) when its binary is not installed."""
    try:
        return server.start()
    except servers.Unavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


# Ports reserved for these tests, apart from the shared servers' 5432 and 6379.
REDIS_PORT = 6391
POSTGRES_PORT = 5441
HTTP_PORTS = iter(range(8730, 8740))
