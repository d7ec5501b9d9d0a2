"""Advisor presence and offer claims, kept in Redis so every process sees the same state."""

from __future__ import annotations

import time
from enum import StrEnum

from redis import Redis


class PresenceStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class Presence:
    """Status per advisor, live socket ids, and at most one pending offer per advisor."""

    def __init__(self, redis: Redis, prefix: str = "entraide") -> None:
        self._redis = redis
        self._p = prefix

    def set_status(self, user_id: int, status: PresenceStatus) -> None:
        self._redis.hset(f"{self._p}:presence", str(user_id), status.value)

    def status(self, user_id: int) -> PresenceStatus:
        raw = self._redis.hget(f"{self._p}:presence", str(user_id))
        return PresenceStatus(raw.decode()) if raw else PresenceStatus.OFFLINE

    def statuses(self, user_ids: list[int]) -> dict[int, PresenceStatus]:
        if not user_ids:
            return {}
        raw = self._redis.hmget(f"{self._p}:presence", [str(u) for u in user_ids])
        return {
            uid: PresenceStatus(v.decode()) if v else PresenceStatus.OFFLINE
            for uid, v in zip(user_ids, raw, strict=True)
        }

    def socket_opened(self, user_id: int, sid: str) -> int:
        key = f"{self._p}:sockets:{user_id}"
        self._redis.sadd(key, sid)
        return int(self._redis.scard(key))

    def socket_closed(self, user_id: int, sid: str) -> int:
        key = f"{self._p}:sockets:{user_id}"
        self._redis.srem(key, sid)
        return int(self._redis.scard(key))

    def by_least_recent_offer(self, user_ids: list[int]) -> list[int]:
        if not user_ids:
            return []
        scores = self._redis.zmscore(f"{self._p}:last_offer", [str(u) for u in user_ids])
        return sorted(user_ids, key=lambda u: scores[user_ids.index(u)] or 0.0)

    def claim(self, user_id: int, offer_ttl: int) -> bool:
        """Atomically reserve the advisor for one offer; False when one is pending."""
        claimed = self._redis.set(f"{self._p}:claim:{user_id}", "1", nx=True, ex=offer_ttl + 5)
        if claimed:
            self._redis.zadd(f"{self._p}:last_offer", {str(user_id): time.time()})
        return bool(claimed)

    def release(self, user_id: int) -> None:
        self._redis.delete(f"{self._p}:claim:{user_id}")
