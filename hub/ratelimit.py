"""Fixed-window rate limits counted in Redis, for the hub's public doors (forum sign-in,
registration and posting; the chat widget's sessions and messages).

One window per (scope, subject): ``INCR`` + ``EXPIRE … NX`` + ``TTL`` in one round trip;
past ``count`` hits within ``seconds`` the caller is told how long to wait. Subjects are
hashed (no address or email in clear in Redis). When Redis cannot be reached the hit is
let through and logged: a door must not close because its counters are down."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "entraide:limit"


def key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"{PREFIX}:{scope}:{digest}"


def hit(redis: Redis, *, scope: str, subjects: Iterable[str], count: int, seconds: int) -> int:
    """Count one hit for each subject; 0 when every one is within ``count`` per
    ``seconds``, else the seconds to wait."""
    wanted = [key(scope, subject) for subject in subjects]
    try:
        with redis.pipeline(transaction=False) as pipe:
            for name in wanted:
                pipe.incr(name)
                pipe.expire(name, seconds, nx=True)
                pipe.ttl(name)
            replies = pipe.execute()
    except RedisError:
        log.warning("rate limit %s not checked: Redis unavailable", scope)
        return 0
    wait = 0
    for index in range(len(wanted)):
        hits, ttl = int(replies[3 * index]), int(replies[3 * index + 2])
        if hits > count:
            wait = max(wait, ttl if ttl > 0 else seconds)
    return wait
