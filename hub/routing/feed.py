"""The live picture: queue figures and advisor states, pushed when they change.

The routing tick computes both, compares them with what it pushed last (kept in Redis)
and publishes only what changed: ``queue.stats`` and ``advisor.state`` to the
supervisors, ``queue.counts`` to each queue's members (at most every
``QUEUE_COUNTS_INTERVAL_SECONDS``). Every push is a numbered event,
so a dashboard that reconnects catches up like the inbox does.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db import after_commit
from hub.events import SUPERVISORS_ROOM, publish_many, queue_room
from hub.routing.context import RoutingContext
from hub.routing.models import Queue, QueueMember, SlaState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.queries import profiles
from hub.routing.strategy import is_busy

OPEN = (WorkState.QUEUED, WorkState.OFFERED, WorkState.ASSIGNED)


def queue_stats(session: Session) -> list[dict[str, Any]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for queue_id, state, n in session.execute(
        select(WorkItem.queue_id, WorkItem.state, func.count())
        .where(WorkItem.state.in_(OPEN)).group_by(WorkItem.queue_id, WorkItem.state)
    ):
        counts[queue_id][state] = n
    oldest = {queue_id: at for queue_id, at in session.execute(
        select(WorkItem.queue_id, func.min(WorkItem.created_at))
        .where(WorkItem.state == WorkState.QUEUED).group_by(WorkItem.queue_id)
    )}
    breached = {queue_id: n for queue_id, n in session.execute(
        select(WorkItem.queue_id, func.count())
        .where(WorkItem.state.in_(OPEN), WorkItem.sla_state == SlaState.BREACHED)
        .group_by(WorkItem.queue_id)
    )}
    return [
        {"queue_id": q.id, "name": q.name,
         "waiting": counts[q.id].get(WorkState.QUEUED, 0),
         "offered": counts[q.id].get(WorkState.OFFERED, 0),
         "assigned": counts[q.id].get(WorkState.ASSIGNED, 0),
         "oldest_waiting_since": oldest[q.id].isoformat() if q.id in oldest else None,
         "breached": breached.get(q.id, 0)}
        for q in session.scalars(select(Queue).order_by(Queue.id))
    ]


def advisor_states(session: Session, *, ctx: RoutingContext) -> list[dict[str, Any]]:
    """Queue members and anyone with a presence, with their shown status and load."""
    statuses = ctx.presence.all_statuses()
    members = set(session.scalars(select(QueueMember.user_id).distinct()))
    found = profiles(session, sorted(members | set(statuses)))
    loads = ctx.state.loads(sorted(found))
    states = []
    for uid, profile in sorted(found.items()):
        status = statuses.get(uid, PresenceStatus.OFFLINE)
        if status == PresenceStatus.AVAILABLE and is_busy(loads[uid], profile.capacity):
            status = PresenceStatus.BUSY
        states.append({"user_id": uid, "name": profile.name, "status": status.value,
                       "load": loads[uid].as_dict(), "capacity": profile.capacity.as_dict(),
                       "queue_ids": sorted(profile.queue_ids)})
    return states


def overview(session: Session, *, ctx: RoutingContext) -> dict[str, Any]:
    return {"queues": queue_stats(session), "advisors": advisor_states(session, ctx=ctx)}


def publish_feed(session: Session, *, ctx: RoutingContext, now: float | None = None) -> int:
    """Publish what changed since the last tick (all in one multi-row INSERT); returns how
    many events. A queue's members get ``queue.counts`` when its waiting figures changed,
    at most once every ``ctx.queue_counts_every`` seconds: under load they change at every
    tick, and each push goes to every member's socket (their inbox then reloads its list)."""
    now = time.time() if now is None else now
    last = ctx.state.feed_snapshot()
    changed: dict[str, str] = {}
    events: list[tuple[str, str, dict[str, Any]]] = []
    for stats in queue_stats(session):
        queue_id = stats["queue_id"]
        if _changed(last, changed, f"queue:{queue_id}", stats):
            events.append((SUPERVISORS_ROOM, "queue.stats", stats))
        counts = {k: stats[k] for k in ("queue_id", "name", "waiting", "oldest_waiting_since")}
        due = now - float(last.get(f"counts-at:{queue_id}", 0)) >= ctx.queue_counts_every
        if due and _changed(last, changed, f"counts:{queue_id}", counts):
            changed[f"counts-at:{queue_id}"] = f"{now:.3f}"
            events.append((queue_room(queue_id), "queue.counts", counts))
    for state in advisor_states(session, ctx=ctx):
        if _changed(last, changed, f"advisor:{state['user_id']}", state):
            events.append((SUPERVISORS_ROOM, "advisor.state", state))
    publish_many(session, events)
    if changed:
        after_commit(session, lambda: ctx.state.save_feed_snapshot(changed))
    return len(events)


def _changed(last: dict[str, str], changed: dict[str, str], key: str,
             value: dict[str, Any]) -> bool:
    encoded = json.dumps(value, sort_keys=True)
    if last.get(key) == encoded:
        return False
    changed[key] = encoded
    return True
