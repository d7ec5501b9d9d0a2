"""Failed sign-ins counted in Redis: too many for one email or one address → wait.

A fixed window per key (``INCR`` then ``EXPIRE … NX`` in one round trip): after
``limit`` failures within ``window`` seconds the key is blocked until its window ends.
Keys are an email (a targeted account) and a client address (credential stuffing across
accounts, with a higher limit). A successful sign-in clears its email's counter.

If Redis does not answer, sign-in is allowed and the error is logged: advisors must be
able to work while Redis restarts, and Redis being down also stops the sockets, so the
window of exposure is short and visible.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    kind: str  # "email" or "ip": part of the Redis key
    max_failures: int


class SignInThrottle:
    def __init__(self, redis: Redis, *, scope: str, limits: tuple[Limit, ...],
                 window_seconds: int) -> None:
        self._redis = redis
        self._scope = scope
        self._limits = {limit.kind: limit.max_failures for limit in limits}
        self._window = window_seconds

    def _key(self, kind: str, value: str) -> str:
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
        return f"throttle:{self._scope}:{kind}:{digest}"  # no email in clear in Redis

    def wait_seconds(self, **values: str) -> int:
        """Seconds until these keys may try again; 0 when none is blocked."""
        keys = [(kind, self._key(kind, value)) for kind, value in values.items() if value]
        try:
            pipe = self._redis.pipeline(transaction=False)
            for _kind, key in keys:
                pipe.get(key)
                pipe.ttl(key)
            replies = pipe.execute()
        except RedisError:
            log.exception("sign-in throttle unavailable: allowing the attempt")
            return 0
        wait = 0
        for index, (kind, _key) in enumerate(keys):
            count, ttl = replies[2 * index], replies[2 * index + 1]
            if count is not None and int(count) >= self._limits[kind]:
                wait = max(wait, int(ttl) if ttl and ttl > 0 else self._window)
        return wait

    def failed(self, **values: str) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for kind, value in values.items():
                if value:
                    key = self._key(kind, value)
                    pipe.incr(key)
                    pipe.expire(key, self._window, nx=True)
            pipe.execute()
        except RedisError:
            log.exception("sign-in throttle unavailable: failure not counted")

    def succeeded(self, *, email: str) -> None:
        try:
            self._redis.delete(self._key("email", email))
        except RedisError:
            log.exception("sign-in throttle unavailable: counter not cleared")
