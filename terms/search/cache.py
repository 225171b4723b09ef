"""The search result cache, keyed by the content generation.

Every change to the content counts one generation in the same transaction (terms.models.
ContentGeneration), and each cached result is keyed by the generation it was computed at:
results from before a change are never served after it commits, in any process.
"""

import hashlib
import json
import logging

from django.core.cache import caches

logger = logging.getLogger(__name__)


def key(generation, *asked):
    """The cache key of a search asked with these (JSON-able) values at `generation`."""
    text = json.dumps([generation, *asked])
    return "results:" + hashlib.sha256(text.encode()).hexdigest()


def get(key):
    # A cache that is down costs the reader speed, never the page.
    try:
        return caches["search"].get(key)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
        return None


def set(key, value, seconds):  # noqa: A001 - the cache's own verb
    try:
        caches["search"].set(key, value, seconds)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
