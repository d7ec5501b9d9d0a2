"""Routing writes: put work in a queue, offer it to an advisor, accept, decline, expire.

The first cut: the default queue, the available member offered least recently. Every
state change is a conditional UPDATE, so two processes can never take the same item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.domain.ports import AccountProvider
from hub.events import publish, queue_room, user_room
from hub.routing.models import Offer, OfferState, Queue, QueueMember, WorkItem, WorkState
from hub.routing.offers import offer_payload
from hub.routing.presence import Presence, PresenceStatus
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import interaction_view


@dataclass(frozen=True)
class RoutingContext:
    presence: Presence
    accounts: AccountProvider
    offer_timeout: int = 20


def default_queue(session: Session) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.is_default.is_(True)).limit(1))
    if queue is None:
        queue = Queue(name="general", is_default=True)
        session.add(queue)
        session.flush()
    return queue


def submit_work(
    session: Session, *, ctx: RoutingContext, conversation: Conversation, interaction: Interaction
) -> WorkItem:
    """Open (or extend) the conversation's work item and try to offer it."""
    item = session.scalar(
        select(WorkItem)
        .where(WorkItem.conversation_id == conversation.id, WorkItem.state != WorkState.CLOSED)
        .limit(1)
    )
    if item is None:
        item = WorkItem(conversation_id=conversation.id, queue_id=default_queue(session).id)
        session.add(item)
        session.flush()
        dispatch(session, ctx=ctx, item=item)
        return item
    item.updated_at = utcnow()
    if item.state == WorkState.ASSIGNED and item.assigned_user_id is not None:
        publish(session, room=user_room(item.assigned_user_id), name="message.created",
                payload=interaction_view(interaction))
    return item


def dispatch(session: Session, *, ctx: RoutingContext, item: WorkItem) -> Offer | None:
    """Offer a queued item to the best available advisor; None leaves it queued."""
    for user_id in _candidates(session, ctx=ctx, item=item):
        if not ctx.presence.claim(user_id, ctx.offer_timeout):
            continue
        moved = session.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.state == WorkState.QUEUED)
            .values(state=WorkState.OFFERED, updated_at=utcnow())
        ).rowcount
        if not moved:
            ctx.presence.release(user_id)
            return None
        session.refresh(item)
        offer = Offer(work_item_id=item.id, user_id=user_id,
                      expires_at=utcnow() + timedelta(seconds=ctx.offer_timeout))
        session.add(offer)
        session.flush()
        publish(session, room=user_room(user_id), name="offer.created",
                payload=offer_payload(session, offer=offer, accounts=ctx.accounts))
        return offer
    publish(session, room=queue_room(item.queue_id), name="queue.waiting",
            payload={"work_item_id": item.id, "queue_id": item.queue_id})
    return None


def _candidates(session: Session, *, ctx: RoutingContext, item: WorkItem) -> list[int]:
    members = list(session.scalars(
        select(QueueMember.user_id)
        .join(User, User.id == QueueMember.user_id)
        .where(QueueMember.queue_id == item.queue_id, User.active.is_(True))
    ))
    refused = set(session.scalars(
        select(Offer.user_id).where(
            Offer.work_item_id == item.id,
            Offer.state.in_([OfferState.DECLINED, OfferState.EXPIRED]),
        )
    ))
    statuses = ctx.presence.statuses(members)
    available = [u for u in members
                 if statuses[u] == PresenceStatus.AVAILABLE and u not in refused]
    return ctx.presence.by_least_recent_offer(available)


def accept_offer(session: Session, *, ctx: RoutingContext, offer_id: int, user: User) -> WorkItem:
    offer = _answer(session, offer_id=offer_id, user=user, state=OfferState.ACCEPTED)
    session.execute(
        update(WorkItem)
        .where(WorkItem.id == offer.work_item_id, WorkItem.state == WorkState.OFFERED)
        .values(state=WorkState.ASSIGNED, assigned_user_id=user.id, updated_at=utcnow())
    )
    ctx.presence.release(user.id)
    item = session.get(WorkItem, offer.work_item_id)
    assert item is not None
    session.refresh(item)
    publish(session, room=user_room(user.id), name="offer.accepted",
            payload={"offer_id": offer.id, "work_item_id": item.id,
                     "conversation_id": item.conversation_id})
    return item


def decline_offer(session: Session, *, ctx: RoutingContext, offer_id: int, user: User) -> None:
    offer = _answer(session, offer_id=offer_id, user=user, state=OfferState.DECLINED)
    ctx.presence.release(user.id)
    publish(session, room=user_room(user.id), name="offer.withdrawn",
            payload={"offer_id": offer.id, "reason": "declined"})
    _requeue(session, ctx=ctx, work_item_id=offer.work_item_id)


def _answer(session: Session, *, offer_id: int, user: User, state: OfferState) -> Offer:
    moved = session.execute(
        update(Offer)
        .where(
            Offer.id == offer_id,
            Offer.user_id == user.id,
            Offer.state == OfferState.PENDING,
            Offer.expires_at > utcnow(),
        )
        .values(state=state, answered_at=utcnow())
    ).rowcount
    offer = session.get(Offer, offer_id)
    if offer is None or offer.user_id != user.id:
        raise NotAllowed("no such offer for this advisor")
    if not moved:
        session.refresh(offer)
        raise NotAllowed(f"offer is no longer pending (it is {offer.state})")
    session.refresh(offer)
    return offer


def _requeue(session: Session, *, ctx: RoutingContext, work_item_id: int) -> None:
    session.execute(
        update(WorkItem)
        .where(WorkItem.id == work_item_id, WorkItem.state == WorkState.OFFERED)
        .values(state=WorkState.QUEUED, updated_at=utcnow())
    )
    item = session.get(WorkItem, work_item_id)
    assert item is not None
    session.refresh(item)
    dispatch(session, ctx=ctx, item=item)


def expire_offers(session: Session, *, ctx: RoutingContext) -> int:
    """Pending offers past their deadline go to the next advisor."""
    expired = list(session.scalars(
        select(Offer).where(Offer.state == OfferState.PENDING, Offer.expires_at <= utcnow())
        .limit(200)
    ))
    for offer in expired:
        moved = session.execute(
            update(Offer).where(Offer.id == offer.id, Offer.state == OfferState.PENDING)
            .values(state=OfferState.EXPIRED, answered_at=utcnow())
        ).rowcount
        if not moved:
            continue
        ctx.presence.release(offer.user_id)
        publish(session, room=user_room(offer.user_id), name="offer.withdrawn",
                payload={"offer_id": offer.id, "reason": "expired"})
        _requeue(session, ctx=ctx, work_item_id=offer.work_item_id)
    return len(expired)


def dispatch_waiting(session: Session, *, ctx: RoutingContext, user_id: int) -> None:
    """An advisor became available: offer them the oldest waiting item of their queues."""
    queue_ids = list(session.scalars(
        select(QueueMember.queue_id).where(QueueMember.user_id == user_id)
    ))
    waiting = session.scalars(
        select(WorkItem)
        .where(WorkItem.queue_id.in_(queue_ids), WorkItem.state == WorkState.QUEUED)
        .order_by(WorkItem.created_at, WorkItem.id)
        .limit(20)
    )
    for item in waiting:
        if dispatch(session, ctx=ctx, item=item) is None:
            return
