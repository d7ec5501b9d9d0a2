"""The unanswered-delay timer: every new question gets a ``ForumWatch`` with a due time;
a community reply before it cancels the watch; the scheduler raises the due ones
(``hub/forum/desk.py``). The due time is a database row, never a sleeping job, so it
survives a restart or the loss of Redis."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub.customers.models import Customer
from hub.forum.config import ForumConfig
from hub.forum.desk_models import ForumWatch, WatchState
from hub.forum.models import ForumMember, ForumPost, ForumTopic, PostStatus
from hub.forum.reputation import outside_office_hours


def delay_for(config: ForumConfig, *, asked_at: datetime, vip: bool) -> tuple[int, str]:
    """Seconds the community has, and why: VIP customers wait least; a question asked
    outside office hours (or at the weekend) gives the community the night."""
    if vip:
        return config.FORUM_VIP_DELAY_SECONDS, "vip"
    if outside_office_hours(asked_at, timezone=config.FORUM_TIMEZONE,
                            opens=config.FORUM_OFFICE_OPENS, closes=config.FORUM_OFFICE_CLOSES):
        return config.FORUM_NIGHT_DELAY_SECONDS, "night"
    return config.FORUM_BRAND_DELAY_SECONDS, "base"


def start_watch(session: Session, *, config: ForumConfig, topic: ForumTopic,
                author: ForumMember, now: datetime) -> ForumWatch:
    customer = session.get(Customer, author.customer_id) if author.customer_id else None
    seconds, reason = delay_for(config, asked_at=now, vip=bool(customer and customer.vip))
    watch = ForumWatch(topic_id=topic.id, due_at=now + timedelta(seconds=seconds),
                       delay_reason=reason, created_at=now)
    session.add(watch)
    session.flush()
    return watch


def is_community_answer(post: ForumPost, topic: ForumTopic) -> bool:
    """A published reply by a member other than the asker (not the brand)."""
    return (not post.is_question and post.status == PostStatus.PUBLISHED
            and post.author_id is not None and post.author_id != topic.author_id)


def community_answered(session: Session, topic: ForumTopic) -> bool:
    return bool(session.scalar(select(exists().where(
        ForumPost.topic_id == topic.id, ForumPost.is_question.is_(False),
        ForumPost.status == PostStatus.PUBLISHED, ForumPost.author_id.is_not(None),
        ForumPost.author_id != topic.author_id))))


def cancel_if_answered(session: Session, *, post: ForumPost, now: datetime) -> bool:
    """A community reply before the delay cancels the pending watch."""
    if not is_community_answer(post, post.topic):
        return False
    watch = session.scalar(select(ForumWatch).where(ForumWatch.topic_id == post.topic_id,
                                                    ForumWatch.state == WatchState.PENDING))
    if watch is None:
        return False
    watch.state, watch.changed_at = WatchState.CANCELLED, now
    session.flush()
    return True


def due_watches(session: Session, *, now: datetime, limit: int = 50) -> list[ForumWatch]:
    """Pending watches past their due time on published questions, oldest first; rows
    another process is raising are skipped."""
    return list(session.scalars(
        select(ForumWatch)
        .join(ForumTopic, ForumTopic.id == ForumWatch.topic_id)
        .where(ForumWatch.state == WatchState.PENDING, ForumWatch.due_at <= now,
               ForumTopic.status == PostStatus.PUBLISHED)
        .order_by(ForumWatch.due_at, ForumWatch.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ForumWatch)
    ))
