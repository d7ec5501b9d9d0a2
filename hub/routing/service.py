"""Routing writes: open a work item in the queue its rules pick and try to offer it.

Offers are made in ``hub/routing/dispatch.py``; answers (accept, decline, expiry) in
``hub/routing/answers.py``; transfers, hold and wrap-up in ``hub/routing/handling.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.events import publish, queue_room, user_room
from hub.routing.answers import accept_offer, decline_offer, expire_offers
from hub.routing.batch import route_batch
from hub.routing.context import RoutingContext
from hub.routing.dispatch import dispatch, dispatch_waiting
from hub.routing.models import Queue, WorkItem, WorkState
from hub.routing.queries import enabled_rules, queue_spec
from hub.routing.sla import start_sla
from hub.routing.strategy import Facts, channel_class, choose_rule, fold, item_priority, rank_at
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import interaction_view

__all__ = [
    "RoutingContext", "accept_offer", "decline_offer", "default_queue", "dispatch",
    "dispatch_waiting", "expire_offers", "open_work_item", "submit_arrivals", "submit_work",
]


def default_queue(session: Session) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.is_default.is_(True)).limit(1))
    if queue is None:
        queue = Queue(name="general", is_default=True)
        session.add(queue)
        session.flush()
    return queue


def submit_work(
    session: Session, *, ctx: RoutingContext, conversation: Conversation,
    interaction: Interaction, attributes: dict[str, Any] | None = None, kind: str | None = None,
) -> WorkItem:
    """Open (or extend) the conversation's work item and try to offer it. ``attributes``
    (an IVR choice, form fields…) are kept on the item for rules to read; ``kind`` overrides
    the channel kind of the conversation's channel."""
    item = _open_item(session, conversation)
    if item is None:
        item = open_work_item(session, ctx=ctx, conversation=conversation,
                              text=interaction.body, attributes=attributes, kind=kind)
        dispatch(session, ctx=ctx, item=item, new=True)
        return item
    _extend(session, item, interaction)
    return item


def submit_arrivals(session: Session, *, ctx: RoutingContext,
                    arrivals: list[tuple[Conversation, Interaction]]) -> list[WorkItem]:
    """``submit_work`` for the messages of one intake batch, in order: each one opens or
    extends its conversation's work item; then the new items are offered in **one** batch
    routing pass (``hub/routing/batch.py``: same rules, continuity, capacity and
    auto-accept as ``dispatch``, one Lua reservation and set-wise offer cards with the
    recent timeline) instead of one dispatch each. The pass takes waiting items in queue
    order, so an older waiting item goes before a new one. A new item left waiting is
    announced to its queue, as ``dispatch`` announces it."""
    items: list[WorkItem] = []
    new: list[WorkItem] = []
    for conversation, interaction in arrivals:
        item = _open_item(session, conversation)
        if item is None:
            item = open_work_item(session, ctx=ctx, conversation=conversation,
                                  text=interaction.body)
            new.append(item)
        else:
            _extend(session, item, interaction)
        items.append(item)
    if new:
        route_batch(session, ctx=ctx, limit=len(new), full_timeline=True)
        for item in new:
            if item.state == WorkState.QUEUED:
                publish(session, room=queue_room(item.queue_id), name="queue.waiting",
                        payload={"work_item_id": item.id, "queue_id": item.queue_id})
    return items


def _open_item(session: Session, conversation: Conversation) -> WorkItem | None:
    return session.scalar(
        select(WorkItem)
        .where(WorkItem.conversation_id == conversation.id, WorkItem.state != WorkState.CLOSED)
        .limit(1)
    )


def _extend(session: Session, item: WorkItem, interaction: Interaction) -> None:
    item.updated_at = utcnow()
    if item.state == WorkState.ASSIGNED and item.assigned_user_id is not None:
        publish(session, room=user_room(item.assigned_user_id), name="message.created",
                payload=interaction_view(interaction))


def open_work_item(
    session: Session, *, ctx: RoutingContext, conversation: Conversation, text: str = "",
    attributes: dict[str, Any] | None = None, kind: str | None = None,
) -> WorkItem:
    """A new work item in the queue the first matching rule names (else the default
    queue), with its priority, its place in the queue and its first-response target."""
    attributes = dict(attributes or {})
    customer = conversation.customer
    kind = kind or ctx.kind_of(conversation.channel)
    facts = Facts(
        channel=conversation.channel, kind=kind, text=text,
        tags=frozenset(fold(str(t)) for t in (getattr(customer, "tags", None) or [])),
        vip=bool(customer.vip),
        language=str(attributes.get("language") or customer.language or "").lower(),
        attributes=attributes,
    )
    rule = choose_rule(enabled_rules(session), facts)
    queue = session.get(Queue, rule.queue_id) if rule else default_queue(session)
    assert queue is not None
    priority = item_priority(cls=channel_class(kind), vip=facts.vip,
                             rule_priority=rule.priority if rule else 0)
    now = utcnow()
    item = WorkItem(
        conversation_id=conversation.id, queue_id=queue.id, customer_id=customer.id,
        channel_kind=kind, language=facts.language, priority=priority,
        rank_at=rank_at(now, priority, ctx.priority_step), attributes=attributes,
        created_at=now, updated_at=now,
    )
    start_sla(item, queue_spec(queue), warning_percent=ctx.sla_warning_percent)
    session.add(item)
    session.flush()
    return item
