"""A Redis cache that fails open: while Redis is down or hung, each process caches in memory.

Everything the site keeps in the cache can be recomputed (search results keyed by the content
generation) or counted per process for a while (API throttles), so a Redis outage costs
speed and shared counts, never a request. After a failure the process leaves Redis alone for
`RETRY_SECONDS`, so a hung Redis costs one socket timeout per process per interval, not one
per cache call.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2
# One warning per process in this long, however many calls fail or caches share the Redis.
LOG_EVERY_SECONDS = 60

_last_logged = float("-inf")
# Django makes a cache object per thread: the outage and the memory are the process's.
_down_until = {}  # Redis location: monotonic time to try it again


def _log_outage(location, exc):
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning(
            "Redis at %s unavailable (%s); caching in this process's memory, retrying every %s s",
            location,
            exc,
            RETRY_SECONDS,
        )


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server
        self._fallback = LocMemCache(
            f"fail-open:{server}:{params.get('KEY_PREFIX', '')}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "OPTIONS": {"MAX_ENTRIES": 5000},
            },
        )

    @property
    def is_down(self):
        """True while this process serves from memory after a failure."""
        return time.monotonic() < _down_until.get(self._location, float("-inf"))


def _fail_open(name):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if self.is_down:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            return redis_method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            _down_until[self._location] = time.monotonic() + RETRY_SECONDS
            _log_outage(self._location, exc)
            return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


# Django's cache API; get_or_set() goes through get() and add().
for _name in (
    "get",
    "set",
    "add",
    "delete",
    "touch",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "clear",
):
    setattr(FailOpenRedisCache, _name, _fail_open(_name))
