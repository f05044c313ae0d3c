"""The shared cache (Redis) as the portal uses it: something that may be down.

What the portal keeps in the cache can all be lost: rate-limit counters (allauth's sign-in
limits, the API's limits), connection keys looked up for the API, import progress. So while
Redis cannot be reached, or does not answer within CACHE_TIMEOUT_SECONDS, this backend
answers as an empty cache that keeps nothing, instead of raising into every request:
get() gives the default, add() says it added (so allauth's lock is taken and a counter
starts at one), incr() finds no key (ValueError, as for any key that expired), set() and
delete() do nothing. Rate limits therefore let everything through during an outage.

One warning is logged when the server stops answering, then at most one a minute while it
stays away, and one line when it answers again. After a failure the server is left alone for
RETRY_SECONDS, so that a Redis that hangs costs a request at most one timeout, not one per
cache call.

A delete that could not reach the server is lost: code that relies on deletes (the API's key
cache) asks unreachable_at() and failure_count() to know what it may have missed.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("portal.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0


class Outage:
    """What this process saw of one cache server being unreachable; shared by its threads
    (Django makes a backend object per thread)."""

    def __init__(self, name: str):
        self.name = name
        self.lock = threading.Lock()
        self.down = False
        self.failures = 0
        self.unreachable_at = 0.0  # time.time() of the latest failure: compared across processes
        self.retry_at = 0.0  # time.monotonic() before which the server is not tried
        self.warned_at: float | None = None
        self.announced = False  # this outage's warning was logged, so its end is too
        self.unlogged = 0
        self.cause = ""

    def resting(self) -> bool:
        return self.down and time.monotonic() < self.retry_at

    def failed(self, operation: str, exc: BaseException | None) -> None:
        with self.lock:
            now = time.monotonic()
            self.failures += 1
            self.unreachable_at = time.time()
            if exc is not None:
                self.retry_at = now + RETRY_SECONDS
                self.cause = type(exc).__name__
            self.down = True
            # A server that comes and goes still gets one line a minute, not one per outage.
            if self.warned_at is not None and now - self.warned_at < WARN_EVERY_SECONDS:
                self.unlogged += 1
                return
            since = (f" {self.unlogged} more cache operations failed since the last such "
                     "warning." if self.unlogged else "")
            logger.warning(
                "The cache at %s cannot be reached (%s during %s): it answers as an empty "
                "cache until the server is back, so rate limits let every request through "
                "meanwhile.%s", self.name, self.cause, operation, since)
            self.warned_at, self.unlogged, self.announced = now, 0, True

    def answered(self) -> None:
        if not self.down:
            return
        with self.lock:
            if self.down:
                self.down = False
                if self.announced:
                    self.announced = False
                    logger.warning("The cache at %s answers again.", self.name)


_outages: dict[tuple[str, ...], Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(servers) -> Outage:
    key = tuple(servers)
    with _outages_lock:
        if key not in _outages:
            _outages[key] = Outage(", ".join(_without_credentials(s) for s in key))
        return _outages[key]


def _without_credentials(server: str) -> str:
    # A Redis URL may carry a password; the log gets the host and port only.
    parts = urlsplit(server)
    if not parts.hostname:
        return parts.path or "a local socket"
    return f"{parts.hostname}:{parts.port or 6379}"


def unreachable_at(cache) -> float:
    """time.time() of the latest cache operation this process could not complete on `cache`
    (0.0 if none, or if `cache` is not a Redis cache of this module)."""
    outage = getattr(cache, "outage", None)
    return outage.unreachable_at if outage is not None else 0.0


def failure_count(cache) -> int:
    """How many operations on `cache` this process answered as empty because the server could
    not be reached; a change between two moments means one in between was lost."""
    outage = getattr(cache, "outage", None)
    return outage.failures if outage is not None else 0


class PortalRedisCache(RedisCache):
    """Django's Redis backend, answering as an empty cache while the server is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.outage = _outage_of(self._servers)

    def _guarded(self, operation: str, call, when_down):
        outage = self.outage
        if outage.resting():
            outage.failed(operation, None)
            return when_down()
        try:
            answer = call()
        except UNREACHABLE as exc:
            outage.failed(operation, exc)
            return when_down()
        outage.answered()
        return answer

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", partial(RedisCache.add, self, key, value, timeout, version),
                             lambda: True)

    def get(self, key, default=None, version=None):
        return self._guarded("get", partial(RedisCache.get, self, key, default, version),
                             lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set", partial(RedisCache.set, self, key, value, timeout, version),
                             lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", partial(RedisCache.touch, self, key, timeout, version),
                             lambda: False)

    def delete(self, key, version=None):
        return self._guarded("delete", partial(RedisCache.delete, self, key, version),
                             lambda: False)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", partial(RedisCache.get_many, self, keys, version),
                             dict)

    def has_key(self, key, version=None):
        return self._guarded("has_key", partial(RedisCache.has_key, self, key, version),
                             lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key {key!r} not found.")

        return self._guarded("incr", partial(RedisCache.incr, self, key, delta, version),
                             missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's answer: the keys that were not stored.
        return self._guarded("set_many",
                             partial(RedisCache.set_many, self, data, timeout, version),
                             lambda: list(data))

    def delete_many(self, keys, version=None):
        return self._guarded("delete_many",
                             partial(RedisCache.delete_many, self, keys, version),
                             lambda: None)

    def clear(self):
        return self._guarded("clear", partial(RedisCache.clear, self), lambda: False)
