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
from hub.routing.strategy import (
    Facts,
    Rule,
    channel_class,
    choose_rule,
    fold,
    item_priority,
    rank_at,
)
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
    announced to its queue, as ``dispatch`` announces it. Set-wise too: the open items of
    the batch's conversations in one query, the rules read once, the new items inserted
    together."""
    open_items = _open_items(session, {conversation.id for conversation, _ in arrivals})
    placement = Placement(session)
    items: list[WorkItem] = []
    new: list[WorkItem] = []
    for conversation, interaction in arrivals:
        item = open_items.get(conversation.id)
        if item is None:
            item = open_work_item(session, ctx=ctx, conversation=conversation,
                                  text=interaction.body, placement=placement, flush=False)
            open_items[conversation.id] = item  # a later message of the batch extends it
            new.append(item)
        else:
            _extend(session, item, interaction)
        items.append(item)
    if new:
        session.flush()
        route_batch(session, ctx=ctx, limit=len(new))
        for item in new:
            if item.state == WorkState.QUEUED:
                publish(session, room=queue_room(item.queue_id), name="queue.waiting",
                        payload={"work_item_id": item.id, "queue_id": item.queue_id})
    return items


def _open_item(session: Session, conversation: Conversation) -> WorkItem | None:
    return _open_items(session, {conversation.id}).get(conversation.id)


def _open_items(session: Session, conversation_ids: set[int]) -> dict[int, WorkItem]:
    """Each conversation's work item that is not closed (at most one each)."""
    if not conversation_ids:
        return {}
    return {item.conversation_id: item for item in session.scalars(
        select(WorkItem).where(WorkItem.conversation_id.in_(sorted(conversation_ids)),
                               WorkItem.state != WorkState.CLOSED))}


def _extend(session: Session, item: WorkItem, interaction: Interaction) -> None:
    item.updated_at = utcnow()
    if item.state == WorkState.ASSIGNED and item.assigned_user_id is not None:
        publish(session, room=user_room(item.assigned_user_id), name="message.created",
                payload=interaction_view(interaction))


class Placement:
    """Where new work items go: the enabled rules and the default queue, read once for all
    the items a transaction opens."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rules = enabled_rules(session)
        self._default: Queue | None = None

    def queue(self, rule: Rule | None) -> Queue:
        if rule is not None:
            found = self.session.get(Queue, rule.queue_id)
            assert found is not None
            return found
        if self._default is None:
            self._default = default_queue(self.session)
        return self._default


def open_work_item(
    session: Session, *, ctx: RoutingContext, conversation: Conversation, text: str = "",
    attributes: dict[str, Any] | None = None, kind: str | None = None,
    placement: Placement | None = None, flush: bool = True,
) -> WorkItem:
    """A new work item in the queue the first matching rule names (else the default
    queue), with its priority, its place in the queue and its first-response target.
    ``flush=False`` leaves the INSERT to the caller's next flush (many items at once)."""
    placement = placement or Placement(session)
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
    rule = choose_rule(placement.rules, facts)
    queue = placement.queue(rule)
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
    if flush:
        session.flush()
    return item
