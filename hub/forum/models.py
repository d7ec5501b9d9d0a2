"""The public forum: categories, topics, posts, votes, reputation and moderation rows."""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    event,
    false,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, Session, foreign, mapped_column, relationship

from hub.auth.models import User
from hub.db import Base, utcnow


class PostStatus:
    PUBLISHED = "published"
    HELD = "held"  # personal data was masked: a moderator reviews it first
    HIDDEN = "hidden"


class ForumCategory(Base):
    __tablename__ = "forum_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_fr: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_fr

    def description(self, language: str) -> str:
        return self.description_en if language == "en" else self.description_fr


class ForumMember(Base):
    """A member of the public forum: not an advisor, and never shown with their email."""

    __tablename__ = "forum_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    pseudonym_key: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(String(40))  # E.164, once verified
    phone_verified_at: Mapped[datetime | None]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # member, super_user
    bio: Mapped[str] = mapped_column(String(500), default="")
    reputation: Mapped[int] = mapped_column(default=0)
    accepted_count: Mapped[int] = mapped_column(default=0)
    banned_at: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    badges: Mapped[list[ForumBadgeAward]] = relationship(order_by="ForumBadgeAward.id",
                                                         viewonly=True)

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_super_user(self) -> bool:
        return self.role == "super_user" and self.banned_at is None


topic_tags = Table(
    "forum_topic_tags",
    Base.metadata,
    Column("topic_id", ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("forum_tags.id", ondelete="CASCADE"), primary_key=True),
)


class ForumTag(Base):
    __tablename__ = "forum_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class ForumTopic(Base):
    __tablename__ = "forum_topics"
    __table_args__ = (
        Index("ix_forum_topics_category_activity", "category_id", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(90))
    search_text: Mapped[str] = mapped_column(String(200), default="")  # folded title
    status: Mapped[str] = mapped_column(String(12), default=PostStatus.PUBLISHED)
    locked: Mapped[bool] = mapped_column(default=False)
    # No database-level FK: topics and posts would reference each other in a cycle.
    solution_post_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reply_count: Mapped[int] = mapped_column(default=0)
    kudos_count: Mapped[int] = mapped_column(default=0)
    # page views flushed from Redis (hub/forum/views.py); add the pending ones to show it
    view_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # bumped by every write to the topic or its posts (see the listener at the end of
    # this module): part of the key of the rendered-post cache, hub/forum/fragments.py
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    # an incident announcement by the brand (hub/forum/announcements.py), pinned
    announcement: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[ForumCategory] = relationship()
    author: Mapped[ForumMember | None] = relationship()
    tags: Mapped[list[ForumTag]] = relationship(secondary=topic_tags, order_by="ForumTag.name")

    @property
    def solved(self) -> bool:
        return self.solution_post_id is not None


class ForumPost(Base):
    __tablename__ = "forum_posts"
    __table_args__ = (Index("ix_forum_posts_topic_id_id", "topic_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a brand post
    is_question: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)  # Markdown source, personal data masked
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitized
    quote_of_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"))
    status: Mapped[str] = mapped_column(String(12), default=PostStatus.PUBLISHED)
    masked: Mapped[bool] = mapped_column(default=False)
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certified_at: Mapped[datetime | None]
    kudos_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    topic: Mapped[ForumTopic] = relationship()
    author: Mapped[ForumMember | None] = relationship()
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    quote_of: Mapped[ForumPost | None] = relationship(remote_side=[id])


ForumTopic.solution = relationship(  # type: ignore[attr-defined]
    ForumPost,
    primaryjoin=and_(foreign(ForumTopic.solution_post_id) == ForumPost.id),
    viewonly=True,
)


class ForumPostRevision(Base):
    """The body a post had before an edit."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200), default="")
    edited_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumKudo(Base):
    __tablename__ = "forum_kudos"
    __table_args__ = (UniqueConstraint("post_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("forum_members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumRank(Base):
    """Ranks as data: a member holds the highest rank whose threshold they reached."""

    __tablename__ = "forum_ranks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_fr: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[int]

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_fr


class ForumReputationEvent(Base):
    """One line of the points ledger; a member's reputation is the sum of their lines."""

    __tablename__ = "forum_reputation_events"
    __table_args__ = (Index("ix_forum_reputation_events_created", "created_at", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("forum_members.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # reply, kudos, accepted, unaccepted
    points: Mapped[int]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumBadgeAward(Base):
    __tablename__ = "forum_badge_awards"
    __table_args__ = (UniqueConstraint("member_id", "badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("forum_members.id"))
    badge: Mapped[str] = mapped_column(String(30))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumReport(Base):
    __tablename__ = "forum_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, resolved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    post: Mapped[ForumPost] = relationship()
    reporter: Mapped[ForumMember | None] = relationship()


class ForumModerationAction(Base):
    """Who did what to which post, topic or member (advisor or super-user)."""

    __tablename__ = "forum_moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumSuggestionClick(Base):
    """A similar solved topic the asker opened instead of posting: deflection metrics."""

    __tablename__ = "forum_suggestion_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    query: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Attributes not shown in a cached post fragment: changing only these keeps the version.
_NOT_CACHED = frozenset({"kudos_count", "view_count", "last_activity_at"})
_CHANGED_TOPICS = "forum_changed_topics"


def _changed(obj: object) -> bool:
    return any(attr.history.has_changes() for attr in inspect(obj).attrs
               if attr.key not in _NOT_CACHED)


def _topic_id_of(post: ForumPost) -> int | None:
    if post.topic_id is not None:
        return post.topic_id
    topic = post.__dict__.get("topic")  # set through the relationship, not yet flushed
    return topic.id if topic is not None else None


@event.listens_for(Session, "before_flush")
def _collect_changed_topics(session: Session, _context: Any, _instances: Any) -> None:
    """Every new, changed or deleted post, and every changed topic, makes its topic's
    rendered posts stale: note the topic, its version is bumped in the same flush."""
    changed: set[int] = session.info.setdefault(_CHANGED_TOPICS, set())
    dirty = session.dirty
    for obj in chain(session.new, dirty, session.deleted):
        if isinstance(obj, ForumPost):
            if obj in dirty and not _changed(obj):
                continue
            topic_id = _topic_id_of(obj)
        elif isinstance(obj, ForumTopic) and obj not in session.new and _changed(obj):
            topic_id = obj.id
        else:
            continue
        if topic_id is not None:
            changed.add(topic_id)


@event.listens_for(Session, "after_flush_postexec")
def _bump_topic_versions(session: Session, _context: Any) -> None:
    """In the flush's transaction: a rolled-back write bumps nothing, a committed one
    never leaves a fragment of the old content reachable."""
    changed: set[int] = session.info.pop(_CHANGED_TOPICS, set())
    if not changed:
        return
    session.connection().execute(update(ForumTopic.__table__)
                                 .where(ForumTopic.__table__.c.id.in_(sorted(changed)))
                                 .values(version=ForumTopic.__table__.c.version + 1))
    mapper = inspect(ForumTopic)
    for topic_id in changed:
        topic = session.identity_map.get(mapper.identity_key_from_primary_key((topic_id,)))
        if topic is not None:
            session.expire(topic, ["version"])
