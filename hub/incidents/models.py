"""An incident, its updates, and the forum questions linked to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow


class IncidentStatus:
    DECLARED = "declared"
    UPDATED = "updated"
    RESOLVED = "resolved"


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=IncidentStatus.DECLARED)
    category_ids: Mapped[list[Any]] = mapped_column(default=list)  # forum categories
    keywords: Mapped[list[Any]] = mapped_column(default=list)  # folded, matched as words
    # the pinned forum topic that announces it (kept by hub/forum/announcements.py)
    announcement_topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id"))
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updates: Mapped[list[IncidentUpdate]] = relationship(order_by="IncidentUpdate.id",
                                                         viewonly=True)

    @property
    def active(self) -> bool:
        return self.status != IncidentStatus.RESOLVED


class IncidentUpdate(Base):
    """One step of the incident's story: the declaration, an update, the resolution."""

    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentTopic(Base):
    """A forum question that matched the incident when it was asked."""

    __tablename__ = "incident_topics"
    __table_args__ = (UniqueConstraint("incident_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentConversation(Base):
    """A conversation an advisor linked to the incident (the customer is affected by it)."""

    __tablename__ = "incident_conversations"
    __table_args__ = (UniqueConstraint("incident_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
