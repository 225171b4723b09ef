"""Real processes for the outage tests: skipped where a server binary is missing on a
developer's machine, a failure in CI, where every one must exist."""

import os
import socket

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


def free_port():
    """A port nothing listens on now: two checkouts' suites can run side by side."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


REDIS_PORT = free_port()
POSTGRES_PORT = free_port()
HTTP_PORTS = iter(free_port, None)
