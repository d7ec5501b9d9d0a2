"""Live routing state in Redis: advisor loads and who was offered work least recently.

Every reservation goes through one Lua script, so between all web and worker processes
an advisor is never given more than their capacity: the script reads the advisor's
status and load and writes the reservation in one atomic step. Work-item state changes
stay conditional UPDATEs in the database, so one item is never offered twice.

Loads are a hash per advisor, ``item id -> "<class>|<reserved at>"``; a reservation is
added before the offer's transaction commits and removed only after the commit that frees
it (so Redis may over-count for a moment, never under-count). The database stays the
truth: ``rebuild`` restores the loads after Redis was emptied and ``stale`` finds
reservations that no committed row backs (a crash between reserve and commit).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redis import Redis

from hub.routing.strategy import Capacity, Load

_PICK = """
local item, cls, now = ARGV[1], ARGV[2], ARGV[3]
local preferred = tonumber(ARGV[4])
local best, best_score = nil, nil
for i = 1, #KEYS - 2 do
  local base = 4 + (i - 1) * 4
  local uid = ARGV[base + 1]
  if redis.call('HGET', KEYS[1], uid) == 'available'
      and redis.call('HEXISTS', KEYS[2 + i], item) == 0 then
    local cap = {voice = tonumber(ARGV[base + 2]), chat = tonumber(ARGV[base + 3]),
                 async = tonumber(ARGV[base + 4])}
    local load = {voice = 0, chat = 0, async = 0}
    for _, v in ipairs(redis.call('HVALS', KEYS[2 + i])) do
      local c = string.match(v, '^(%a+)')
      load[c] = (load[c] or 0) + 1
    end
    local ok = load[cls] < cap[cls]
    if ok and cls == 'voice' then ok = load.chat == 0 end
    if ok and cls == 'chat' then ok = load.voice == 0 end
    if ok then
      if i <= preferred then best = i; break end
      local score = tonumber(redis.call('ZSCORE', KEYS[2], uid) or '0')
      if best == nil or score < best_score then best, best_score = i, score end
    end
  end
end
if best == nil then return false end
local uid = ARGV[4 + (best - 1) * 4 + 1]
redis.call('HSET', KEYS[2 + best], item, cls .. '|' .. now)
redis.call('ZADD', KEYS[2], now, uid)
return uid
"""

_RELEASE_IF = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


@dataclass(frozen=True)
class Candidate:
    user_id: int
    capacity: Capacity


@dataclass(frozen=True)
class Reservation:
    user_id: int
    item_id: int
    cls: str
    reserved_at: float
    raw: str


class RoutingState:
    def __init__(self, redis: Redis, prefix: str = "entraide") -> None:
        self._redis = redis
        self._p = prefix
        self._pick = redis.register_script(_PICK)
        self._release_if = redis.register_script(_RELEASE_IF)

    def _load_key(self, user_id: int) -> str:
        return f"{self._p}:load:{user_id}"

    def pick(self, item_id: int, cls: str, candidates: Sequence[Candidate],
             preferred: int = 0) -> int | None:
        """Reserve room for the item with one candidate, atomically: the first of the
        ``preferred`` leading candidates that qualifies, else the one offered work least
        recently. The candidate must be *available* and have room for ``cls``."""
        if not candidates:
            return None
        keys = [f"{self._p}:presence", f"{self._p}:last_offer"]
        keys += [self._load_key(c.user_id) for c in candidates]
        args: list[str | int | float] = [item_id, cls, f"{time.time():.6f}", preferred]
        for c in candidates:
            args += [c.user_id, c.capacity.voice, c.capacity.chat, c.capacity.async_]
        chosen = self._pick(keys=keys, args=args)
        return int(chosen) if chosen else None

    def release(self, user_id: int, item_id: int) -> None:
        self._redis.hdel(self._load_key(user_id), str(item_id))

    def release_if_unchanged(self, reservation: Reservation) -> bool:
        key = self._load_key(reservation.user_id)
        return bool(self._release_if(keys=[key], args=[reservation.item_id, reservation.raw]))

    def loads(self, user_ids: Sequence[int]) -> dict[int, Load]:
        if not user_ids:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for uid in user_ids:
            pipe.hvals(self._load_key(uid))
        return {uid: Load.count(v.decode().split("|")[0] for v in values)
                for uid, values in zip(user_ids, pipe.execute(), strict=True)}

    def load(self, user_id: int) -> Load:
        return self.loads([user_id])[user_id]

    def reservations(self) -> list[Reservation]:
        found = []
        for key in self._redis.scan_iter(match=f"{self._p}:load:*", count=500):
            user_id = int(key.decode().rsplit(":", 1)[1])
            for item, raw in self._redis.hgetall(key).items():
                cls, _, stamp = raw.decode().partition("|")
                found.append(Reservation(user_id, int(item), cls, float(stamp or 0),
                                         raw.decode()))
        return found

    def rebuild(self, held: Iterable[tuple[int, int, str]]) -> int:
        """Restore reservations from the database: (advisor, item, class) triples."""
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for user_id, item_id, cls in held:
            pipe.hsetnx(self._load_key(user_id), str(item_id), f"{cls}|{time.time():.6f}")
            count += 1
        pipe.set(f"{self._p}:routing:epoch", str(time.time()))
        pipe.execute()
        return count

    def has_epoch(self) -> bool:
        return bool(self._redis.exists(f"{self._p}:routing:epoch"))

    def feed_snapshot(self) -> dict[str, str]:
        raw = self._redis.hgetall(f"{self._p}:routing:feed")
        return {k.decode(): v.decode() for k, v in raw.items()}

    def save_feed_snapshot(self, changed: dict[str, str]) -> None:
        self._redis.hset(f"{self._p}:routing:feed", mapping=changed)
