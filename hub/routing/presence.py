"""Advisor presence in Redis, so every process sees the same: the status an advisor chose,
their live sockets, the grace period after the last one closed, and which web process
holds which socket (a web process that dies never says goodbye: its heartbeat stops)."""

from __future__ import annotations

import time
from enum import StrEnum

from redis import Redis


class PresenceStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"  # shown, never stored: available with no room for a call or a chat
    AWAY = "away"
    OFFLINE = "offline"


class Presence:
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

    def all_statuses(self) -> dict[int, PresenceStatus]:
        raw = self._redis.hgetall(f"{self._p}:presence")
        return {int(k): PresenceStatus(v.decode()) for k, v in raw.items()}

    # sockets -----------------------------------------------------------------------
    def socket_opened(self, user_id: int, sid: str, web_id: str = "") -> int:
        key = f"{self._p}:sockets:{user_id}"
        pipe = self._redis.pipeline()
        pipe.sadd(key, sid)
        if web_id:
            pipe.sadd(f"{self._p}:web:{web_id}", f"{user_id}|{sid}")
        pipe.zrem(f"{self._p}:grace", str(user_id))
        pipe.scard(key)
        return int(pipe.execute()[-1])

    def socket_closed(self, user_id: int, sid: str, web_id: str = "") -> int:
        key = f"{self._p}:sockets:{user_id}"
        pipe = self._redis.pipeline()
        pipe.srem(key, sid)
        if web_id:
            pipe.srem(f"{self._p}:web:{web_id}", f"{user_id}|{sid}")
        pipe.scard(key)
        return int(pipe.execute()[-1])

    def socket_count(self, user_id: int) -> int:
        return int(self._redis.scard(f"{self._p}:sockets:{user_id}"))

    # grace period after the last socket closed ------------------------------------------
    def start_grace(self, user_id: int, seconds: int) -> None:
        self._redis.zadd(f"{self._p}:grace", {str(user_id): time.time() + seconds})

    def due_grace(self, now: float | None = None) -> list[int]:
        """Advisors whose grace is over; each is returned by one caller only."""
        key = f"{self._p}:grace"
        due = self._redis.zrangebyscore(key, "-inf", now or time.time())
        return [int(uid) for uid in due if self._redis.zrem(key, uid)]

    # web processes ------------------------------------------------------------------
    def reassert(self, web_id: str, sockets: list[tuple[int, str]]) -> None:
        """The web process's heartbeat: it is alive and holds these sockets. After Redis
        lost its data, this brings connected advisors back (as available)."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.zadd(f"{self._p}:webs", {web_id: time.time()})
        for user_id, sid in sockets:
            pipe.sadd(f"{self._p}:sockets:{user_id}", sid)
            pipe.sadd(f"{self._p}:web:{web_id}", f"{user_id}|{sid}")
            pipe.hsetnx(f"{self._p}:presence", str(user_id), PresenceStatus.AVAILABLE.value)
        pipe.execute()

    def web_stopped(self, web_id: str) -> list[tuple[int, str]]:
        """Forget a web process; returns its sockets as (advisor, sid) to close."""
        key = f"{self._p}:web:{web_id}"
        members = [m.decode() for m in self._redis.smembers(key)]
        pipe = self._redis.pipeline()
        pipe.delete(key)
        pipe.zrem(f"{self._p}:webs", web_id)
        pipe.execute()
        return [(int(uid), sid) for uid, _, sid in (m.partition("|") for m in members)]

    def silent_webs(self, older_than: float, now: float | None = None) -> list[str]:
        cutoff = (now or time.time()) - older_than
        return [w.decode() for w in self._redis.zrangebyscore(f"{self._p}:webs", "-inf", cutoff)]


def viewers_key(conversation_id: int) -> str:
    """The Redis hash of who has a conversation open (socket id -> advisor id): written by
    the socket layer (hub/realtime/viewers.py), read by the inbox lists."""
    return f"entraide:viewers:{conversation_id}"
