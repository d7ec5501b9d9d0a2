"""The forum's work for the brand: raise the questions the community left unanswered
as work items (through the routing engine, like any channel), and settle them when an
advisor answers, certifies or escalates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.events import publish, queue_room, user_room
from hub.forum.desk_models import ForumWatch, WatchState
from hub.forum.models import ForumPost, ForumTopic
from hub.forum.on_timeline import (
    PUBLIC_CHANNEL,
    customer_id_for,
    record_post,
    topic_conversation,
)
from hub.forum.watch import community_answered, due_watches
from hub.routing.context import RoutingContext, free_after_commit
from hub.routing.dispatch import dispatch
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.service import open_work_item
from hub.timeline.models import Conversation

FORUM_KIND = "forum"


def raise_due(session: Session, *, ctx: RoutingContext, now: datetime | None = None,
              limit: int = 50) -> dict[str, int]:
    """Every due watch either finds the community answered (cancelled), the brand
    already there (settled) or becomes a work item in the queue the rules pick."""
    now = now or utcnow()
    counts = {"raised": 0, "cancelled": 0, "settled": 0}
    for watch in due_watches(session, now=now, limit=limit):
        outcome = _raise_one(session, ctx=ctx, watch=watch)
        watch.state, watch.changed_at = outcome, now
        counts[outcome] += 1
    session.flush()
    return counts


def _raise_one(session: Session, *, ctx: RoutingContext, watch: ForumWatch) -> str:
    topic = watch.topic
    if topic.author is None or community_answered(session, topic):
        return WatchState.CANCELLED  # answered, or nobody left to answer
    if _brand_answered(session, topic):
        return WatchState.SETTLED
    question = _question(session, topic)
    conversation = topic_conversation(session, topic=topic,
                                      customer_id=customer_id_for(session, topic.author))
    record_post(session, post=question, customer_id=conversation.customer_id)
    item = open_work_item(session, ctx=ctx, conversation=conversation,
                          text=f"{topic.title}\n{question.body}", kind=FORUM_KIND,
                          attributes={"forum_topic_id": topic.id,
                                      "forum_category": topic.category.slug})
    dispatch(session, ctx=ctx, item=item, new=True)
    watch.work_item_id = item.id
    return WatchState.RAISED


def _question(session: Session, topic: ForumTopic) -> ForumPost:
    return session.scalars(select(ForumPost).where(
        ForumPost.topic_id == topic.id, ForumPost.is_question.is_(True)).limit(1)).one()


def _brand_answered(session: Session, topic: ForumTopic) -> bool:
    return session.scalar(select(ForumPost.id).where(
        ForumPost.topic_id == topic.id, ForumPost.advisor_id.is_not(None)).limit(1)) is not None


def open_items_of(session: Session, topic_id: int) -> list[WorkItem]:
    """The open work items raised for this topic that are still about the public
    question (an escalated item follows its private case)."""
    return list(session.scalars(
        select(WorkItem).join(ForumWatch, ForumWatch.work_item_id == WorkItem.id)
        .join(Conversation, Conversation.id == WorkItem.conversation_id)
        .where(ForumWatch.topic_id == topic_id, WorkItem.state != WorkState.CLOSED,
               Conversation.channel == PUBLIC_CHANNEL)))


def settle_topic(session: Session, *, ctx: RoutingContext, topic: ForumTopic,
                 outcome: str, by_user_id: int) -> list[int]:
    """The brand dealt with the question (``outcome``: answered, certified, escalated):
    a pending watch will never fire, and open work items for it are closed (an advisor
    holding or being offered one gets their room back once this commits)."""
    now = utcnow()
    session.execute(update(ForumWatch).where(
        ForumWatch.topic_id == topic.id, ForumWatch.state == WatchState.PENDING,
    ).values(state=WatchState.SETTLED, changed_at=now).execution_options(
        synchronize_session=False))
    closed = []
    for item in open_items_of(session, topic.id):
        _close(session, ctx=ctx, item=item, outcome=outcome, by_user_id=by_user_id, now=now)
        closed.append(item.id)
    return closed


def _close(session: Session, *, ctx: RoutingContext, item: WorkItem, outcome: str,
           by_user_id: int, now: datetime) -> None:
    holder = item.assigned_user_id if item.state == WorkState.ASSIGNED else None
    for offer in session.scalars(select(Offer).where(Offer.work_item_id == item.id,
                                                     Offer.state == OfferState.PENDING)):
        offer.state, offer.answered_at = OfferState.WITHDRAWN, now
        holder = offer.user_id
        publish(session, room=user_room(offer.user_id), name="offer.withdrawn",
                payload={"offer_id": offer.id, "reason": "answered"})
    item.state, item.closed_at, item.updated_at = WorkState.CLOSED, now, now
    item.wrap_up_code, item.held_at = f"forum-{outcome}"[:40], None
    if item.first_response_at is None:
        item.first_response_at = now
    session.flush()
    payload = {"work_item_id": item.id, "conversation_id": item.conversation_id,
               "wrap_up_code": item.wrap_up_code, "closed_by": by_user_id}
    if holder is not None:
        free_after_commit(session, ctx=ctx, user_id=holder, item_id=item.id)
        publish(session, room=user_room(holder), name="work.closed", payload=payload)
    else:
        publish(session, room=queue_room(item.queue_id), name="work.closed", payload=payload)
