"""One attempt-tracked delivery of an outbound interaction through its channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.timeline.models import Interaction


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # provider call in flight: a crash here may mean "sent"
    SENT = "sent"
    FAILED = "failed"


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    account: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str] = mapped_column(String(320))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    possible_duplicate: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # an email reply: the subject the advisor wrote ("" = "Re: " + the conversation's) and
    # the message it quotes; both are read again on every attempt, so a retry is the same
    subject: Mapped[str] = mapped_column(String(300), default="")
    quote_interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    interaction: Mapped[Interaction] = relationship(foreign_keys=[interaction_id])
    quote_interaction: Mapped[Interaction | None] = relationship(
        foreign_keys=[quote_interaction_id])
