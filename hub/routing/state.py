"""Live routing state in Redis: advisor loads and who was offered work least recently.

Every reservation goes through one Lua script, so between all web and worker processes
an advisor is never given more than their capacity: the script reads the advisor's
status and load and writes the reservation in one atomic step. Work-item state changes
stay conditional UPDATEs in the database, so one item is never offered twice.

Loads are a hash per advisor and capacity class, ``<prefix>:load:<advisor>:<class>``,
``item id -> "<class>|<reserved at>"``, so an advisor's load is three ``HLEN`` whatever
they hold (an advisor with hundreds of open SMS threads costs a routing pass no more than
one with two); a reservation is added before the offer's transaction commits and removed
only after the commit that frees it (so Redis may over-count for a moment, never
under-count). The database stays the
truth: ``rebuild`` restores the loads after Redis was emptied and ``stale`` finds
reservations that no committed row backs (a crash between reserve and commit).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from redis import Redis

from hub.routing.strategy import ASYNC, CHAT, VOICE, Capacity, Load

CLASSES = (VOICE, CHAT, ASYNC)  # the order of each advisor's load keys in the scripts
LAYOUT = 2  # load hashes per advisor and class (1: one per advisor)

# KEYS: load hashes; returns their sizes.
_COUNT_LOADS = """
local counts = {}
for i = 1, #KEYS do counts[i] = redis.call('HLEN', KEYS[i]) end
return counts
"""

# KEYS: presence, last_offer, then per candidate its voice, chat and async load hashes.
# ARGV: item, class, now, preferred, then per candidate: id, voice, chat, async capacity.
_PICK = """
local item, cls, now = ARGV[1], ARGV[2], ARGV[3]
local preferred = tonumber(ARGV[4])
local slot = {voice = 0, chat = 1, async = 2}
local best, best_score = nil, nil
for i = 1, (#KEYS - 2) / 3 do
  local base = 4 + (i - 1) * 4
  local uid = ARGV[base + 1]
  local k = 2 + (i - 1) * 3
  if redis.call('HGET', KEYS[1], uid) == 'available'
      and redis.call('HEXISTS', KEYS[k + 1 + slot[cls]], item) == 0 then
    local cap = {voice = tonumber(ARGV[base + 2]), chat = tonumber(ARGV[base + 3]),
                 async = tonumber(ARGV[base + 4])}
    local load = {voice = redis.call('HLEN', KEYS[k + 1]), chat = redis.call('HLEN', KEYS[k + 2]),
                  async = redis.call('HLEN', KEYS[k + 3])}
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
redis.call('HSET', KEYS[2 + (best - 1) * 3 + 1 + slot[cls]], item, cls .. '|' .. now)
redis.call('ZADD', KEYS[2], now, uid)
return uid
"""

# Many items, many advisors, one atomic step: items in the order given (their rank), each
# to its preferred advisor (continuity) if they fit, else to the one of its group offered
# work least recently. Loads are read once (HLEN) and kept up to date as the script
# reserves; whether an advisor already holds the item is asked only of an advisor the
# item would go to. An advisor's budget (-1: none) caps how many items this call gives them.
# KEYS: presence, last_offer, then per advisor its voice, chat and async load hashes.
_PICK_MANY = """
local req = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
local slot = {voice = 0, chat = 1, async = 2}
local adv = {}
for i, a in ipairs(req.advisors) do
  local k = 2 + (i - 1) * 3
  local e = {uid = tostring(a[1]), keys = {voice = KEYS[k + 1], chat = KEYS[k + 2],
             async = KEYS[k + 3]}, score = 0,
             cap = {voice = a[2], chat = a[3], async = a[4]}, budget = a[5],
             load = {voice = 0, chat = 0, async = 0},
             ok = redis.call('HGET', KEYS[1], tostring(a[1])) == 'available'}
  if e.ok then
    for cls, key in pairs(e.keys) do e.load[cls] = redis.call('HLEN', key) end
    e.score = tonumber(redis.call('ZSCORE', KEYS[2], e.uid) or '0')
  end
  adv[i] = e
end
local function room(e, cls)
  if not e.ok or e.budget == 0 or e.load[cls] >= e.cap[cls] then return false end
  if cls == 'voice' then return e.load.chat == 0 end
  if cls == 'chat' then return e.load.voice == 0 end
  return true
end
local function holds(e, item, cls)
  return redis.call('HEXISTS', e.keys[cls], item) == 1
end
local out, seq = {}, 0
for _, it in ipairs(req.items) do
  local item, cls, pref = tostring(it[1]), it[2], it[4]
  local excluded = {}
  for _, x in ipairs(it[5]) do excluded[x] = true end
  local best = nil
  if pref > 0 and room(adv[pref], cls) and not holds(adv[pref], item, cls) then
    best = pref
  else
    local skip = {}
    while best == nil do
      local pick, pick_score = nil, nil
      for _, i in ipairs(req.groups[it[3]]) do
        local e = adv[i]
        if not excluded[i] and not skip[i] and room(e, cls)
            and (pick == nil or e.score < pick_score) then
          pick, pick_score = i, e.score
        end
      end
      if pick == nil then break end
      if holds(adv[pick], item, cls) then skip[pick] = true else best = pick end
    end
  end
  if best then
    local e = adv[best]
    seq = seq + 1
    local stamp = string.format('%.6f', now + seq / 1000000)
    redis.call('HSET', e.keys[cls], item, cls .. '|' .. stamp)
    redis.call('ZADD', KEYS[2], stamp, e.uid)
    e.load[cls], e.score = e.load[cls] + 1, tonumber(stamp)
    if e.budget > 0 then e.budget = e.budget - 1 end
    out[#out + 1] = item
    out[#out + 1] = e.uid
  end
end
return out
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
    budget: int = -1  # pick_many: at most this many items for them (-1: up to capacity)


@dataclass(frozen=True)
class Wanted:
    """An item for ``pick_many``: who may take it (``group``, an index into the groups),
    who should (``preferred``: the advisor who last served the customer, if in the group)
    and who may not (``excluded``: advisors who declined it or let it expire)."""

    item_id: int
    cls: str
    group: int
    preferred: int | None = None
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reservation:
    user_id: int
    item_id: int
    cls: str
    reserved_at: float
    raw: str


def _json(value: object) -> str:
    # cjson decodes an empty JSON array as an empty table: fine for groups and exclusions
    return json.dumps(value, separators=(",", ":"))


class RoutingState:
    def __init__(self, redis: Redis, prefix: str = "entraide") -> None:
        self._redis = redis
        self._p = prefix
        self._pick = redis.register_script(_PICK)
        self._release_if = redis.register_script(_RELEASE_IF)
        self._pick_many = redis.register_script(_PICK_MANY)
        self._count_loads = redis.register_script(_COUNT_LOADS)

    @property
    def _epoch_key(self) -> str:
        """Set when the loads were rebuilt from the database; versioned with the layout of
        the load hashes, so a Redis holding an older layout is rebuilt, not trusted."""
        return f"{self._p}:routing:epoch:{LAYOUT}"

    def _load_key(self, user_id: int, cls: str) -> str:
        return f"{self._p}:load:{user_id}:{cls}"

    def _load_keys(self, user_id: int) -> list[str]:
        return [self._load_key(user_id, cls) for cls in CLASSES]

    def pick(self, item_id: int, cls: str, candidates: Sequence[Candidate],
             preferred: int = 0) -> int | None:
        """Reserve room for the item with one candidate, atomically: the first of the
        ``preferred`` leading candidates that qualifies, else the one offered work least
        recently. The candidate must be *available* and have room for ``cls``."""
        if not candidates:
            return None
        keys = [f"{self._p}:presence", f"{self._p}:last_offer"]
        keys += [key for c in candidates for key in self._load_keys(c.user_id)]
        args: list[str | int | float] = [item_id, cls, f"{time.time():.6f}", preferred]
        for c in candidates:
            args += [c.user_id, c.capacity.voice, c.capacity.chat, c.capacity.async_]
        chosen = self._pick(keys=keys, args=args)
        return int(chosen) if chosen else None

    def pick_many(self, advisors: Sequence[Candidate], groups: Sequence[Sequence[int]],
                  items: Sequence[Wanted]) -> dict[int, int]:
        """Reserve room for many items at once, atomically, in the order given: item id ->
        advisor id for the items placed. ``groups`` are lists of advisor ids (who qualifies
        for an item); an advisor must be *available* and have room for the item's class.
        Ties go to the advisor offered work least recently, so a batch is spread out.
        An advisor's ``budget`` (if not -1) caps how many items they get from this call."""
        if not advisors or not items:
            return {}
        index = {a.user_id: n for n, a in enumerate(advisors, start=1)}
        request = {
            "advisors": [[a.user_id, a.capacity.voice, a.capacity.chat, a.capacity.async_,
                          a.budget] for a in advisors],
            "groups": [[index[u] for u in group if u in index] or [] for group in groups],
            "items": [[w.item_id, w.cls, w.group + 1, index.get(w.preferred or 0, 0),
                       sorted(index[u] for u in w.excluded if u in index)] for w in items],
        }
        keys = [f"{self._p}:presence", f"{self._p}:last_offer"]
        keys += [key for a in advisors for key in self._load_keys(a.user_id)]
        flat = self._pick_many(keys=keys, args=[_json(request), f"{time.time():.6f}"])
        return {int(flat[n]): int(flat[n + 1]) for n in range(0, len(flat or []), 2)}

    def request_pass(self, seconds: int = 10) -> bool:
        """Ask for a batch routing pass; True if none was asked for since the last one
        started (then the caller queues one). Expires, so a lost job is not waited for."""
        return bool(self._redis.set(f"{self._p}:routing:pass", "1", nx=True, ex=seconds))

    def start_pass(self) -> None:
        """A pass starts: requests made from now on queue another one."""
        self._redis.delete(f"{self._p}:routing:pass")

    def release(self, user_id: int, item_id: int) -> None:
        """Free the advisor's room for the item, whatever its class (an item is in one)."""
        pipe = self._redis.pipeline(transaction=False)
        for key in self._load_keys(user_id):
            pipe.hdel(key, str(item_id))
        pipe.execute()

    def release_if_unchanged(self, reservation: Reservation) -> bool:
        key = self._load_key(reservation.user_id, reservation.cls)
        return bool(self._release_if(keys=[key], args=[reservation.item_id, reservation.raw]))

    def loads(self, user_ids: Sequence[int]) -> dict[int, Load]:
        """What each advisor holds, by class: three ``HLEN`` each, in one script call (a
        pipeline of as many commands cost a routing pass 0.6 ms for 24 advisors)."""
        if not user_ids:
            return {}
        keys = [key for uid in user_ids for key in self._load_keys(uid)]
        counts = [int(n) for n in self._count_loads(keys=keys)]
        return {uid: Load(*counts[3 * n:3 * n + 3]) for n, uid in enumerate(user_ids)}

    def load(self, user_id: int) -> Load:
        return self.loads([user_id])[user_id]

    def _load_hashes(self) -> Iterator[tuple[str, int | None]]:
        """Every load hash, with its advisor (None: a key of an older layout)."""
        for raw_key in self._redis.scan_iter(match=f"{self._p}:load:*", count=500):
            key = raw_key.decode()
            user, _, cls = key[len(self._p) + len(":load:"):].partition(":")
            yield key, int(user) if user.isdigit() and cls in CLASSES else None

    def reservations(self) -> list[Reservation]:
        found = []
        for key, user_id in self._load_hashes():
            if user_id is None:
                continue
            for item, raw in self._redis.hgetall(key).items():
                cls, _, stamp = raw.decode().partition("|")
                found.append(Reservation(user_id, int(item), cls, float(stamp or 0),
                                         raw.decode()))
        return found

    def rebuild(self, held: Iterable[tuple[int, int, str]]) -> int:
        """Restore reservations from the database: (advisor, item, class) triples. Drops
        load hashes of an older layout (one hash per advisor), which nothing reads."""
        pipe = self._redis.pipeline(transaction=False)
        for key, user_id in self._load_hashes():
            if user_id is None:
                pipe.delete(key)
        count = 0
        for user_id, item_id, cls in held:
            pipe.hsetnx(self._load_key(user_id, cls), str(item_id), f"{cls}|{time.time():.6f}")
            count += 1
        pipe.set(self._epoch_key, str(time.time()))
        pipe.execute()
        return count

    def has_epoch(self) -> bool:
        return bool(self._redis.exists(self._epoch_key))

    def feed_snapshot(self) -> dict[str, str]:
        raw = self._redis.hgetall(f"{self._p}:routing:feed")
        return {k.decode(): v.decode() for k, v in raw.items()}

    def save_feed_snapshot(self, changed: dict[str, str]) -> None:
        self._redis.hset(f"{self._p}:routing:feed", mapping=changed)
