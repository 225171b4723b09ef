"""Values worked out from the whole glossary, kept until the content changes.

Keyed by the content generation (terms.models.ContentGeneration), as search results are:
every change counts one generation in its own transaction, so a value from before a change
is never served after it commits, in any process, and nothing needs invalidating.
"""

import logging

from django.core.cache import cache
from django.db import connection

from terms.models import ContentGeneration

logger = logging.getLogger(__name__)

# Long: a generation's value never goes stale, and keys of past generations just expire.
SECONDS = 24 * 60 * 60


def derived(name, compute):
    """`compute()` (a picklable value), or its cached value at the current generation."""
    # Inside a transaction the content may hold changes that are rolled back later.
    generation = None if connection.in_atomic_block else ContentGeneration.objects.current()
    if generation is None:
        return compute()
    key = f"derived:{name}:{generation}"
    try:
        value = cache.get(key)
    except Exception:  # a cache that is down costs the reader speed, never the page
        logger.warning("cache unavailable", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, SECONDS)
        except Exception:
            logger.warning("cache unavailable", exc_info=True)
    return value
