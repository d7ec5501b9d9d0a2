"""Queues, skills, rules, work items, offers, transfers and wrap-up codes.

The database is the truth; Redis holds the live routing state (presence, advisor loads)
and is rebuilt from these rows when it is lost (``hub/routing/state.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.db import Base, utcnow
from hub.timeline.models import Conversation


class WorkState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class OfferState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class OfferKind(StrEnum):
    ROUTE = "route"  # picked by the router
    TRANSFER = "transfer"  # a colleague or supervisor handed it over


class SlaState(StrEnum):
    NONE = "none"  # the queue sets no target for this item
    RUNNING = "running"
    WARNED = "warned"
    BREACHED = "breached"
    MET = "met"


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # skill name -> minimum level; languages served (empty: any); first-response targets
    required_skills: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    languages: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    sla_targets: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class QueueMember(Base):
    __tablename__ = "queue_members"
    __table_args__ = (UniqueConstraint("queue_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")


class RoutingRule(Base):
    """When ``conditions`` match a new work item, it goes to ``queue_id`` (lowest
    ``position`` first); ``priority`` is added to the item's priority."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=100)
    enabled: Mapped[bool] = mapped_column(default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), index=True)
    priority: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WrapUpCode(Base):
    __tablename__ = "wrap_up_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)


class WorkItem(Base):
    __tablename__ = "work_items"
    __table_args__ = (
        Index("ix_work_items_queue_state", "queue_id", "state", "created_at"),
        # waiting work in routing order, ties by id: a pass reads its LIMIT, not the queue
        Index("ix_work_items_queue_state_rank_id", "queue_id", "state", "rank_at", "id"),
        Index("ix_work_items_customer", "customer_id", "id"),
        Index("ix_work_items_sla", "sla_state", "sla_warn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    state: Mapped[str] = mapped_column(String(12), default=WorkState.QUEUED)
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # routing (issue #4)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel_kind: Mapped[str] = mapped_column(String(12), default="", server_default="")
    language: Mapped[str] = mapped_column(String(5), default="", server_default="")
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    rank_at: Mapped[datetime] = mapped_column(default=utcnow)  # enqueued_at - priority * step
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    sla_state: Mapped[str] = mapped_column(String(10), default=SlaState.NONE,
                                           server_default=SlaState.NONE.value)
    sla_warn_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    wrap_up_code: Mapped[str | None] = mapped_column(String(40))
    wrap_up_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the inbox (docs/inbox.md): labels advisors put on the work; reassign, never mutate
    tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")

    conversation: Mapped[Conversation] = relationship()
    queue: Mapped[Queue] = relationship()
    assigned_user: Mapped[User | None] = relationship()


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_state_expires", "state", "expires_at"),
        Index("ix_offers_user_answered", "user_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=OfferState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(10), default=OfferKind.ROUTE,
                                      server_default=OfferKind.ROUTE.value)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    auto_accepted: Mapped[bool] = mapped_column(default=False, server_default=false())

    work_item: Mapped[WorkItem] = relationship()


class Transfer(Base):
    """A hand-over of a work item to another queue or advisor, with the note that goes
    with it."""

    __tablename__ = "work_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
