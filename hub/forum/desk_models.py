"""The forum as a channel of the hub: pending unanswered-delay items, private cases
(escalations) and the forum's private messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.forum.models import ForumMember, ForumTopic


class WatchState:
    PENDING = "pending"  # waiting for the community until ``due_at``
    CANCELLED = "cancelled"  # the community answered in time
    RAISED = "raised"  # a work item was opened in the forum queue
    SETTLED = "settled"  # the brand answered, certified or escalated


class ForumWatch(Base):
    """One per question: the time after which an unanswered question becomes work for
    the brand. The due time lives here, so it survives the loss of Redis."""

    __tablename__ = "forum_watches"
    __table_args__ = (Index("ix_forum_watches_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=WatchState.PENDING)
    delay_reason: Mapped[str] = mapped_column(String(12), default="base")  # base, vip, night
    due_at: Mapped[datetime]
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]

    topic: Mapped[ForumTopic] = relationship()


class ForumEscalation(Base):
    """A question moved to a private case: the hub conversation where it goes on."""

    __tablename__ = "forum_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("forum_members.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[ForumTopic] = relationship()
    member: Mapped[ForumMember] = relationship()


class ForumPrivateMessage(Base):
    """One message of a private case, as the member sees it at /forum/messages."""

    __tablename__ = "forum_private_messages"
    __table_args__ = (Index("ix_forum_private_messages_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("forum_escalations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("forum_members.id"))
    from_member: Mapped[bool] = mapped_column(default=False)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    escalation: Mapped[ForumEscalation] = relationship()
