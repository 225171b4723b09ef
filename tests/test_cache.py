"""The Redis cache fails open, against a real redis-server of the test's own that it stops
and freezes (SIGSTOP)."""

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rest_framework.throttling import SimpleRateThrottle

from bench.servers import RedisServer
from glossary import cache as fail_open
from tests.servers import REDIS_PORT, started

# A hang guard, far above the socket timeout: a call that reaches it has hung.
HUNG = 30


@pytest.fixture
def redis_server():
    server = started(RedisServer(REDIS_PORT))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    """No outage seen or logged yet."""
    monkeypatch.setattr(fail_open, "_last_logged", float("-inf"))
    monkeypatch.setattr(fail_open, "_down_until", {})


def cache_on(server):
    """A cache of its own: a fresh prefix keeps other tests' memory out of it."""
    return fail_open.FailOpenRedisCache(
        server.url,
        {
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            "KEY_PREFIX": uuid.uuid4().hex,
        },
    )


def within_guard(call):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result(timeout=HUNG)


def test_cache_keeps_working_in_memory_while_redis_is_stopped(redis_server):
    cache = cache_on(redis_server)
    redis_server.stop()

    cache.set("answer", 42)

    assert cache.get("answer") == 42 and cache.is_down


def test_a_frozen_redis_costs_one_socket_timeout_then_the_process_uses_memory(redis_server):
    cache = cache_on(redis_server)
    cache.set("answer", 42)
    redis_server.freeze()

    assert within_guard(lambda: cache.get("answer")) is None
    assert cache.is_down
    cache.set("answer", 43)
    assert cache.get("answer") == 43


def test_cache_goes_back_to_redis_once_it_answers_again(redis_server, monkeypatch):
    monkeypatch.setattr(fail_open, "RETRY_SECONDS", 0)
    cache = cache_on(redis_server)
    redis_server.freeze()
    within_guard(lambda: cache.get("answer"))
    redis_server.thaw()

    cache.set("answer", 44)

    assert not cache.is_down
    assert redis.Redis(port=REDIS_PORT).get(cache.make_key("answer")) is not None


def test_an_outage_is_logged_once_however_many_calls_fail(redis_server, monkeypatch, caplog):
    monkeypatch.setattr(fail_open, "RETRY_SECONDS", 0)
    cache = cache_on(redis_server)
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="glossary.cache"):
        for _ in range(5):
            cache.get("answer")

    assert len(caplog.records) == 1
    assert "unavailable" in caplog.records[0].getMessage()


@pytest.fixture
def api_cache_on_stopped_redis(redis_server, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "glossary.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    redis_server.stop()


def test_api_throttles_count_per_process_while_redis_is_stopped(
    client, term, api_cache_on_stopped_redis, monkeypatch
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"}
    )

    statuses = [client.get("/api/v1/terms/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
