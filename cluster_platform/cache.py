"""The cache backend used with Redis: an unreachable Redis is a cold cache, not a failed request.

Nothing the platform keeps in the cache is the only copy of anything: cached KPIs are recomputed,
their generations are bumped again by the next change and by the scheduled refresh, and the rate
limits' counters start afresh. So while Redis is down (or slower than the socket timeouts in the
settings) every read answers as a miss and every write is forgotten, and the request goes on.

The one consequence worth knowing: during the outage the rate limits (sign-in, registration, the
anonymous policy check) count nothing, i.e. they fail open. Refusing every sign-in instead would
turn a cache outage into a platform outage; the warning in the log says when it happens.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# At most one warning per process per this many seconds: an outage must be visible in the log,
# not fill it with one line per request.
WARNING_INTERVAL_SECONDS = 60.0


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, with every Redis error turned into a miss (reads) or a no-op (writes)."""

    _last_warning = 0.0

    def _unavailable(self, operation: str, error: RedisError) -> None:
        now = time.monotonic()
        if now - ForgivingRedisCache._last_warning >= WARNING_INTERVAL_SECONDS:
            ForgivingRedisCache._last_warning = now
            logger.warning(
                "The cache (Redis) failed on %s (%s: %s): answering as a miss until it is back; "
                "rate limits count nothing meanwhile.",
                operation,
                type(error).__name__,
                error,
            )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._unavailable("add", error)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._unavailable("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._unavailable("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._unavailable("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._unavailable("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        """Raises ValueError, as for a missing key, when Redis fails: callers already handle that."""
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._unavailable("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from error

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._unavailable("set_many", error)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            self._unavailable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            self._unavailable("clear", error)
            return False
