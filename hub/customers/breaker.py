"""A circuit breaker kept in Redis, so every web and worker process shares its state.

Closed: calls go through; each failure increments a counter, each success clears it.
After ``failures`` consecutive failures the breaker opens for ``open_seconds``: callers get
"no" at once, without calling. When that time is over it is half-open: one caller (a
``SET NX`` claim that lapses after ``probe_seconds``) may probe; a success closes the
breaker, a failure opens it again for another ``open_seconds``.

When Redis itself fails the breaker lets calls through (each call is still bounded by its
own timeout) rather than refusing everything.
"""

from __future__ import annotations

import logging
import math

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, redis: Redis, *, name: str, failures: int, open_seconds: int,
                 probe_seconds: float) -> None:
        if failures < 1 or open_seconds < 1:
            raise ValueError("a breaker needs failures >= 1 and open_seconds >= 1")
        self._redis = redis
        self._failures = failures
        self._open_seconds = open_seconds
        self._probe_ms = max(1, math.ceil(probe_seconds * 1000))
        prefix = f"entraide:breaker:{name}"
        self._count_key = f"{prefix}:failures"
        self._open_key = f"{prefix}:open"
        self._probe_key = f"{prefix}:probe"

    def allow(self) -> bool:
        """May the caller make the call now?"""
        try:
            is_open, count = self._redis.mget(self._open_key, self._count_key)
            if is_open:
                return False
            if int(count or 0) < self._failures:
                return True
            return bool(self._redis.set(self._probe_key, "1", nx=True, px=self._probe_ms))
        except RedisError:
            log.warning("circuit breaker state unreadable; letting the call through")
            return True

    def succeeded(self) -> None:
        try:
            self._redis.delete(self._count_key, self._probe_key)
        except RedisError:
            log.warning("circuit breaker could not record a success")

    def failed(self) -> None:
        try:
            count = int(self._redis.incr(self._count_key))
            if count >= self._failures:
                pipe = self._redis.pipeline()
                pipe.set(self._open_key, "1", ex=self._open_seconds)
                pipe.delete(self._probe_key)
                pipe.execute()
                log.warning("circuit breaker opened for %ss after %s failures",
                            self._open_seconds, count)
        except RedisError:
            log.warning("circuit breaker could not record a failure")

    def state(self) -> str:
        """"closed", "open" or "half-open" (for tests and operators)."""
        is_open, count = self._redis.mget(self._open_key, self._count_key)
        if is_open:
            return "open"
        return "half-open" if int(count or 0) >= self._failures else "closed"
