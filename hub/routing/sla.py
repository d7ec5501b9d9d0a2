"""First-response targets: start the clock, stop it, warn, breach.

A queue's ``sla_targets`` say how soon a first response is due per channel class and
priority (``strategy.sla_target``). The first response is the first advisor reply on the
conversation after the item was opened; a call is answered when its offer is accepted;
closing an item also stops its clock. The routing tick (``workers/routing.py``) warns at
``SLA_WARNING_PERCENT`` of the target and breaches at the target: each raises the item's
priority by one point, moving it up its queue, and tells the supervisors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.domain.kinds import Direction
from hub.events import SUPERVISORS_ROOM, publish
from hub.routing.models import SlaState, WorkItem, WorkState
from hub.routing.strategy import QueueSpec, channel_class, rank_at, sla_target
from hub.timeline.models import Interaction

RUNNING = (SlaState.RUNNING, SlaState.WARNED)
BATCH = 500


def start_sla(item: WorkItem, queue: QueueSpec, *, warning_percent: int) -> None:
    seconds = sla_target(queue.sla_targets, channel_class(item.channel_kind), item.priority)
    if seconds is None:
        item.sla_state, item.sla_warn_at, item.sla_due_at = SlaState.NONE, None, None
        return
    start = item.created_at or utcnow()
    item.sla_state = SlaState.RUNNING
    item.sla_due_at = start + timedelta(seconds=seconds)
    item.sla_warn_at = start + timedelta(seconds=seconds * warning_percent / 100)


def responded_values(at: Any) -> dict[str, Any]:
    """``mark_responded`` as the SET clause of an ``UPDATE work_items``: the same
    statement that moves the item stops its clock (no second round trip). ``at``: a
    datetime or a bound parameter."""
    return {"first_response_at": func.coalesce(WorkItem.first_response_at, at),
            "sla_state": case((WorkItem.sla_state.in_(RUNNING), SlaState.MET),
                              else_=WorkItem.sla_state)}


def mark_responded(item: WorkItem, at: datetime) -> None:
    if item.first_response_at is None:
        item.first_response_at = at
    if item.sla_state in RUNNING:
        item.sla_state = SlaState.MET


def sla_tick(session: Session, *, step_seconds: int, now: datetime | None = None) -> dict[str, int]:
    """Stop the clocks of answered items, then warn and breach the due ones."""
    now = now or utcnow()
    return {
        "met": _mark_answered(session),
        "warned": _escalate(session, now=now, step_seconds=step_seconds, breach=False),
        "breached": _escalate(session, now=now, step_seconds=step_seconds, breach=True),
    }


def _mark_answered(session: Session) -> int:
    first_reply = (
        select(Interaction.occurred_at)
        .where(Interaction.conversation_id == WorkItem.conversation_id,
               Interaction.direction == Direction.OUTBOUND,
               Interaction.occurred_at >= WorkItem.created_at)
        .order_by(Interaction.occurred_at)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(WorkItem, first_reply)
        .where(WorkItem.sla_state.in_(RUNNING),
               exists().where(Interaction.conversation_id == WorkItem.conversation_id,
                              Interaction.direction == Direction.OUTBOUND,
                              Interaction.occurred_at >= WorkItem.created_at))
        .limit(BATCH)
    ).all()
    for item, replied_at in rows:
        mark_responded(item, replied_at)
    return len(rows)


def _escalate(session: Session, *, now: datetime, step_seconds: int, breach: bool) -> int:
    deadline = WorkItem.sla_due_at if breach else WorkItem.sla_warn_at
    states = RUNNING if breach else (SlaState.RUNNING,)
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.sla_state.in_(states), deadline <= now,
               WorkItem.state != WorkState.CLOSED)
        .order_by(deadline)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for item in items:
        item.sla_state = SlaState.BREACHED if breach else SlaState.WARNED
        item.priority += 1
        item.rank_at = rank_at(item.created_at, item.priority, step_seconds)
        publish(session, room=SUPERVISORS_ROOM,
                name="sla.breached" if breach else "sla.warning", payload=sla_view(item))
    return len(items)


def sla_view(item: WorkItem) -> dict[str, object]:
    return {
        "work_item_id": item.id,
        "conversation_id": item.conversation_id,
        "queue_id": item.queue_id,
        "state": item.state,
        "assigned_user_id": item.assigned_user_id,
        "channel_class": channel_class(item.channel_kind),
        "priority": item.priority,
        "waiting_since": item.created_at.isoformat(),
        "due_at": item.sla_due_at.isoformat() if item.sla_due_at else None,
        "sla_state": item.sla_state,
    }
