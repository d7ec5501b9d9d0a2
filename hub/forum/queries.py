"""Reads for the forum pages: each page in a fixed number of queries (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from hub.forum.models import (
    ForumBadgeAward,
    ForumCategory,
    ForumKudo,
    ForumMember,
    ForumPost,
    ForumPostRevision,
    ForumRank,
    ForumReport,
    ForumReputationEvent,
    ForumTag,
    ForumTopic,
    PostStatus,
    topic_tags,
)

SORTS = ("recent", "unanswered", "solved", "popular")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    count: int  # pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def categories(session: Session) -> list[ForumCategory]:
    return list(session.scalars(select(ForumCategory).order_by(ForumCategory.position)))


def category_by_slug(session: Session, slug: str) -> ForumCategory | None:
    return session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


def ranks(session: Session) -> list[ForumRank]:
    return list(session.scalars(select(ForumRank).order_by(ForumRank.threshold)))


def _visible_topics() -> Select[tuple[ForumTopic]]:
    return select(ForumTopic).where(ForumTopic.status == PostStatus.PUBLISHED)


def topics(session: Session, *, category: ForumCategory | None, sort: str = "recent",
           tag: str = "", page: int = 1, per_page: int = 20) -> Page:
    query = _visible_topics()
    if category is not None:
        query = query.where(ForumTopic.category_id == category.id)
    if tag:
        query = query.where(ForumTopic.id.in_(
            select(topic_tags.c.topic_id).join(ForumTag, ForumTag.id == topic_tags.c.tag_id)
            .where(ForumTag.name == tag)))
    if sort == "unanswered":
        query = query.where(ForumTopic.reply_count == 0)
    elif sort == "solved":
        query = query.where(ForumTopic.solution_post_id.is_not(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if sort == "popular":
        order = [(ForumTopic.reply_count + ForumTopic.kudos_count).desc(), ForumTopic.id.desc()]
    elif sort == "unanswered":
        order = [ForumTopic.created_at.desc(), ForumTopic.id.desc()]
    else:
        order = [ForumTopic.last_activity_at.desc(), ForumTopic.id.desc()]
    count = max(1, ceil(total / per_page))
    number = min(max(1, page), count)
    items = session.scalars(
        query.options(joinedload(ForumTopic.author), selectinload(ForumTopic.tags),
                      joinedload(ForumTopic.category))
        .order_by(*order).offset((number - 1) * per_page).limit(per_page)
    ).unique().all()
    return Page(list(items), number, count)


def topic(session: Session, topic_id: int) -> ForumTopic | None:
    return session.scalar(select(ForumTopic).where(ForumTopic.id == topic_id).options(
        joinedload(ForumTopic.category), joinedload(ForumTopic.author),
        selectinload(ForumTopic.tags)))


_FOR_RENDERING = (joinedload(ForumPost.author), joinedload(ForumPost.advisor),
                  joinedload(ForumPost.quote_of).joinedload(ForumPost.author),
                  joinedload(ForumPost.quote_of).joinedload(ForumPost.advisor))
# what a topic page needs of a post whose head comes from the cache (hub/forum/fragments.py):
# the footer's fields and the author's reputation (the rank is part of the cache key)
_FOR_FOOTER = (load_only(ForumPost.id, ForumPost.topic_id, ForumPost.author_id,
                         ForumPost.advisor_id, ForumPost.is_question, ForumPost.status,
                         ForumPost.certified_by_id, ForumPost.kudos_count),
               joinedload(ForumPost.author).load_only(ForumMember.reputation))


def posts(session: Session, *, topic: ForumTopic, viewer_id: int | None, moderator: bool,
          page: int = 1, per_page: int = 50, light: bool = False
          ) -> tuple[ForumPost | None, Page]:
    """The question and one page of answers: certified answers first, then the accepted
    solution, then the rest in order. Held posts are shown to their author and moderators;
    hidden ones to moderators. ``light``: only the columns the footers and the cache key
    need (:func:`for_rendering` loads the rest of the posts to render)."""
    visible = ForumPost.status == PostStatus.PUBLISHED
    if moderator:
        visible = ForumPost.status.in_([PostStatus.PUBLISHED, PostStatus.HELD,
                                        PostStatus.HIDDEN])
    elif viewer_id is not None:
        visible = visible | ((ForumPost.status == PostStatus.HELD)
                             & (ForumPost.author_id == viewer_id))
    options = _FOR_FOOTER if light else _FOR_RENDERING
    question = session.scalar(select(ForumPost).where(
        ForumPost.topic_id == topic.id, ForumPost.is_question.is_(True)).options(*options))
    answers = select(ForumPost).where(ForumPost.topic_id == topic.id,
                                      ForumPost.is_question.is_(False), visible)
    total = session.scalar(select(func.count()).select_from(answers.subquery())) or 0
    count = max(1, ceil(total / per_page))
    number = min(max(1, page), count)
    first = case((ForumPost.certified_by_id.is_not(None), 0),
                 (ForumPost.id == (topic.solution_post_id or 0), 1), else_=2)
    items = session.scalars(answers.options(*options).order_by(first, ForumPost.id)
                            .offset((number - 1) * per_page).limit(per_page)).unique().all()
    return question, Page(list(items), number, count)


def for_rendering(session: Session, post_ids: list[int]) -> None:
    """Completes posts loaded ``light`` (same identities) with what rendering needs."""
    if post_ids:
        session.scalars(select(ForumPost).where(ForumPost.id.in_(post_ids))
                        .options(*_FOR_RENDERING)).unique().all()


def kudoed(session: Session, *, member_id: int | None, post_ids: list[int]) -> set[int]:
    if member_id is None or not post_ids:
        return set()
    return set(session.scalars(select(ForumKudo.post_id).where(
        ForumKudo.member_id == member_id, ForumKudo.post_id.in_(post_ids))))


def revisions(session: Session, post_id: int) -> list[ForumPostRevision]:
    return list(session.scalars(select(ForumPostRevision).where(
        ForumPostRevision.post_id == post_id).order_by(ForumPostRevision.id.desc())))


def member(session: Session, member_id: int) -> ForumMember | None:
    return session.scalar(select(ForumMember).where(ForumMember.id == member_id).options(
        selectinload(ForumMember.badges)))


def member_topics(session: Session, member_id: int, limit: int = 10) -> list[ForumTopic]:
    return list(session.scalars(_visible_topics().where(ForumTopic.author_id == member_id)
                                .order_by(ForumTopic.id.desc()).limit(limit)))


def leaderboard(session: Session, *, since: datetime | None, limit: int = 20
                ) -> list[tuple[ForumMember, int]]:
    """All time (``since`` None): the reputation; else the points earned since then."""
    if since is None:
        rows = session.scalars(select(ForumMember).where(
            ForumMember.banned_at.is_(None), ForumMember.reputation > 0)
            .order_by(ForumMember.reputation.desc(), ForumMember.id).limit(limit)).all()
        return [(m, m.reputation) for m in rows]
    points = func.sum(ForumReputationEvent.points).label("points")
    earned = (select(ForumReputationEvent.member_id, points)
              .where(ForumReputationEvent.created_at >= since)
              .group_by(ForumReputationEvent.member_id).subquery())
    result = session.execute(
        select(ForumMember, earned.c.points).join(earned, earned.c.member_id == ForumMember.id)
        .where(ForumMember.banned_at.is_(None), earned.c.points > 0)
        .order_by(earned.c.points.desc(), ForumMember.id).limit(limit)).all()
    return [(m, int(p)) for m, p in result]


def held_posts(session: Session) -> list[ForumPost]:
    return list(session.scalars(select(ForumPost).where(ForumPost.status == PostStatus.HELD)
                                .options(joinedload(ForumPost.author),
                                         joinedload(ForumPost.topic))
                                .order_by(ForumPost.id)))


def open_reports(session: Session) -> list[ForumReport]:
    return list(session.scalars(select(ForumReport).where(ForumReport.status == "open")
                                .options(joinedload(ForumReport.reporter),
                                         joinedload(ForumReport.post).joinedload(ForumPost.topic),
                                         joinedload(ForumReport.post).joinedload(ForumPost.author))
                                .order_by(ForumReport.id)))


def badges_of(session: Session, member_id: int) -> list[str]:
    return list(session.scalars(select(ForumBadgeAward.badge).where(
        ForumBadgeAward.member_id == member_id).order_by(ForumBadgeAward.id)))


def feed(session: Session, category: ForumCategory, limit: int = 20) -> list[ForumPost]:
    """The questions of the category's newest topics."""
    return list(session.scalars(
        select(ForumPost).join(ForumTopic, ForumTopic.id == ForumPost.topic_id)
        .where(ForumTopic.category_id == category.id,
               ForumTopic.status == PostStatus.PUBLISHED, ForumPost.is_question.is_(True))
        .options(joinedload(ForumPost.topic), joinedload(ForumPost.author))
        .order_by(ForumTopic.created_at.desc(), ForumTopic.id.desc()).limit(limit)))

