import os

import pytest

from glossary.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no Redis server to use")
def test_redis_cache_reuses_one_client_per_pool():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "glossary-test-client"})
    cache.set("answer", {"ids": [3, 1, 2]}, 30)
    assert cache.get("answer") == {"ids": [3, 1, 2]}
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.delete("answer")
    assert cache.get("answer") is None
    assert cache._cache.get_client() is client
