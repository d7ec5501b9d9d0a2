"""Routing decisions as pure functions: no database, no Redis, no clock.

Rules pick a queue, profiles say who qualifies, capacity says who has room, priority
says who waits less. ``hub/routing/state.py`` applies the capacity rule atomically in
Redis (its Lua script mirrors ``fits``); the services feed these functions with rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

VOICE, CHAT, ASYNC = "voice", "chat", "async"
CLASSES = (VOICE, CHAT, ASYNC)
_KIND_CLASS = {"phone": VOICE, "chat": CHAT}  # sms, email, social, forum: async
VOICE_KINDS = tuple(kind for kind, cls in _KIND_CLASS.items() if cls == VOICE)  # ("phone",)
DEFAULT_CAPACITY: dict[str, Any] = {VOICE: 1, CHAT: 3, ASYNC: 5, "auto_accept": []}
VIP_PRIORITY = 2
VOICE_PRIORITY = 3


def channel_class(kind: str) -> str:
    """The capacity class of a channel kind: a call, a chat, or asynchronous work."""
    return _KIND_CLASS.get(kind, ASYNC)


@dataclass(frozen=True)
class Capacity:
    voice: int = 1
    chat: int = 3
    async_: int = 5
    auto_accept: frozenset[str] = frozenset()

    def limit(self, cls: str) -> int:
        return {VOICE: self.voice, CHAT: self.chat, ASYNC: self.async_}[cls]

    def as_dict(self) -> dict[str, Any]:
        return {VOICE: self.voice, CHAT: self.chat, ASYNC: self.async_,
                "auto_accept": sorted(self.auto_accept)}


def effective_capacity(*layers: Mapping[str, Any] | None) -> Capacity:
    """The default profile, overridden key by key by the team's, then the advisor's."""
    merged = dict(DEFAULT_CAPACITY)
    for layer in layers:
        merged.update({k: v for k, v in (layer or {}).items() if v is not None})
    return Capacity(int(merged[VOICE]), int(merged[CHAT]), int(merged[ASYNC]),
                    frozenset(merged.get("auto_accept") or ()))


@dataclass(frozen=True)
class Load:
    voice: int = 0
    chat: int = 0
    async_: int = 0

    def of(self, cls: str) -> int:
        return {VOICE: self.voice, CHAT: self.chat, ASYNC: self.async_}[cls]

    def as_dict(self) -> dict[str, int]:
        return {VOICE: self.voice, CHAT: self.chat, ASYNC: self.async_}


def fits(load: Load, capacity: Capacity, cls: str) -> bool:
    """One call OR up to ``chat`` chats (a call blocks chats and chats block a call),
    plus up to ``async_`` asynchronous items. Load counts offered and assigned items."""
    if load.of(cls) >= capacity.limit(cls):
        return False
    if cls == VOICE:
        return load.chat == 0
    if cls == CHAT:
        return load.voice == 0
    return True


def free_classes(load: Load, capacity: Capacity) -> list[str]:
    return [cls for cls in CLASSES if fits(load, capacity, cls)]


def is_busy(load: Load, capacity: Capacity) -> bool:
    """Shown as *busy*: on a call, or no room left for a call or a chat."""
    return load.voice > 0 or not (fits(load, capacity, VOICE) or fits(load, capacity, CHAT))


@dataclass(frozen=True)
class AdvisorProfile:
    user_id: int
    name: str
    skills: Mapping[str, int]
    languages: frozenset[str]
    capacity: Capacity
    queue_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class QueueSpec:
    id: int
    name: str
    required_skills: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    sla_targets: tuple[Mapping[str, Any], ...] = ()


def qualifies(profile: AdvisorProfile, queue: QueueSpec, language: str = "") -> bool:
    """Has every skill the queue requires at its level, and speaks the item's language
    when the queue serves it (else one of the queue's languages)."""
    for skill, level in queue.required_skills.items():
        if profile.skills.get(skill, 0) < level:
            return False
    if not queue.languages:
        return True
    if language in queue.languages:
        return language in profile.languages
    return bool(profile.languages.intersection(queue.languages))


@dataclass(frozen=True)
class Facts:
    """What rules look at when a work item is opened."""

    channel: str
    kind: str
    text: str = ""
    tags: frozenset[str] = frozenset()
    vip: bool = False
    language: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: int
    position: int
    queue_id: int
    conditions: Mapping[str, Any]
    priority: int = 0


def choose_rule(rules: Sequence[Rule], facts: Facts) -> Rule | None:
    """The first matching rule by position (then id); None: the default queue."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if matches(rule.conditions, facts):
            return rule
    return None


def matches(conditions: Mapping[str, Any], facts: Facts) -> bool:
    """Every condition given must hold; inside a list, any value will do."""
    checks = {
        "channels": lambda v: facts.channel in v or facts.kind in v,
        "keywords": lambda v: any(has_keyword(facts.text, k) for k in v),
        "tags": lambda v: bool(facts.tags.intersection(fold(t) for t in v)),
        "vip": lambda v: facts.vip is bool(v),
        "languages": lambda v: facts.language in v,
        "attributes": lambda v: all(_attribute(facts.attributes.get(k), want)
                                    for k, want in v.items()),
    }
    return all(checks[name](value) for name, value in conditions.items()
               if name in checks and value not in (None, [], {}))


def _attribute(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return actual in wanted or str(actual) in wanted
    return actual == wanted or str(actual) == str(wanted)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Facturé" and "facture" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_keyword(text: str, keyword: str) -> bool:
    """The keyword (or phrase) starts a word of the text: "factur" finds "factures"."""
    needle = fold(keyword).strip()
    return bool(needle) and re.search(r"(?<!\w)" + re.escape(needle), fold(text)) is not None


def item_priority(*, cls: str, vip: bool, rule_priority: int = 0) -> int:
    """VIP and calls first: points that ``rank_at`` turns into waiting time."""
    return rule_priority + (VIP_PRIORITY if vip else 0) + (VOICE_PRIORITY if cls == VOICE else 0)


def rank_at(enqueued_at: datetime, priority: int, step_seconds: int) -> datetime:
    """The order of the queue: the earliest ``rank_at`` is served first. Each priority point
    counts as ``step_seconds`` of waiting, so an item's rank improves as it ages and a
    lower-priority item is never starved."""
    return enqueued_at - timedelta(seconds=priority * step_seconds)


def sla_target(targets: Iterable[Mapping[str, Any]], cls: str, priority: int) -> int | None:
    """Seconds to a first response: the target for this channel class (or ``*``) with the
    highest ``min_priority`` the item reaches; a class-specific target wins a tie."""
    best: tuple[int, int, int] | None = None
    for target in targets:
        channel = target.get("channel", "*")
        floor = int(target.get("min_priority", 0))
        if channel not in (cls, "*") or priority < floor:
            continue
        key = (floor, 1 if channel == cls else 0, int(target["seconds"]))
        if best is None or key[:2] > best[:2]:
            best = key
    return None if best is None else best[2]
