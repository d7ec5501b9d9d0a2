"""Keeping Redis honest: the database is the truth for who holds what.

* ``restore_loads``: Redis was emptied (restart without persistence, failover): rebuild
  every advisor's load from pending offers and assigned items.
* ``release_leaks``: a reservation that no committed row backs after ``LEAK_SECONDS``
  (a process died between reserving and committing, or after committing a release but
  before applying it) is dropped.
* ``silent_web_sockets``: a web process that stopped its heartbeat holds no sockets.
* ``advisors_with_room``: who could take waiting work now (the safety net behind the
  event-driven offers).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.routing.context import RoutingContext
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.queries import profiles
from hub.routing.strategy import channel_class, free_classes

LEAK_SECONDS = 30.0
WEB_SILENCE_SECONDS = 30.0


def held_in_database(session: Session) -> list[tuple[int, int, str]]:
    """(advisor, item, class) for every pending offer and every assigned item."""
    offered = session.execute(
        select(Offer.user_id, WorkItem.id, WorkItem.channel_kind)
        .join(WorkItem, WorkItem.id == Offer.work_item_id)
        .where(Offer.state == OfferState.PENDING)
    ).all()
    assigned = session.execute(
        select(WorkItem.assigned_user_id, WorkItem.id, WorkItem.channel_kind)
        .where(WorkItem.state == WorkState.ASSIGNED, WorkItem.assigned_user_id.is_not(None))
    ).all()
    return [(uid, item, channel_class(kind)) for uid, item, kind in [*offered, *assigned]]


def restore_loads(session: Session, *, ctx: RoutingContext) -> int:
    if ctx.state.has_epoch():
        return 0
    return ctx.state.rebuild(held_in_database(session))


def release_leaks(session: Session, *, ctx: RoutingContext, now: float | None = None) -> int:
    cutoff = (now or time.time()) - LEAK_SECONDS
    old = [r for r in ctx.state.reservations() if r.reserved_at < cutoff]
    if not old:
        return 0
    backed = _backed(session, {r.item_id for r in old})
    return sum(ctx.state.release_if_unchanged(r) for r in old
               if (r.user_id, r.item_id) not in backed)


def _backed(session: Session, item_ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = sorted(item_ids)
    found: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update((uid, item) for uid, item in session.execute(
            select(Offer.user_id, Offer.work_item_id)
            .where(Offer.work_item_id.in_(chunk), Offer.state == OfferState.PENDING)
        ))
        found.update((uid, item) for uid, item in session.execute(
            select(WorkItem.assigned_user_id, WorkItem.id)
            .where(WorkItem.id.in_(chunk), WorkItem.state == WorkState.ASSIGNED)
        ) if uid is not None)
    return found


def silent_web_sockets(ctx: RoutingContext, now: float | None = None) -> list[tuple[int, str]]:
    """Sockets of web processes whose heartbeat stopped, as (advisor, sid)."""
    closed: list[tuple[int, str]] = []
    for web_id in ctx.presence.silent_webs(WEB_SILENCE_SECONDS, now):
        closed += ctx.presence.web_stopped(web_id)
    return closed


def advisors_with_room(session: Session, *, ctx: RoutingContext) -> list[int]:
    """Available advisors who belong to a queue with waiting work and have room left."""
    waiting_queues = set(session.scalars(
        select(WorkItem.queue_id).where(WorkItem.state == WorkState.QUEUED).distinct()
    ))
    if not waiting_queues:
        return []
    available = [uid for uid, status in ctx.presence.all_statuses().items()
                 if status == PresenceStatus.AVAILABLE]
    found = profiles(session, available)
    loads = ctx.state.loads(sorted(found))
    return [uid for uid, p in sorted(found.items())
            if p.queue_ids & waiting_queues and free_classes(loads[uid], p.capacity)]

