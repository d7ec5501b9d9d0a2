"""The realtime outbox: every push is first a numbered row, emitted after commit.

Sockets are at-most-once; a client that reconnects asks for rows after the last id it saw
(``GET /api/v1/events?after=ID``) and ignores ids it has already seen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.db import Base, after_commit, effects_of, utcnow


class RealtimeEvent(Base):
    __tablename__ = "realtime_events"
    __table_args__ = (Index("ix_realtime_events_room_id", "room", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    room: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_message(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.name, "room": self.room, "data": self.payload}


def publish(session: Session, *, room: str, name: str, payload: dict[str, Any]) -> RealtimeEvent:
    """Store the event in this transaction; push it to ``room`` once committed."""
    row = RealtimeEvent(room=room, name=name, payload=payload)
    session.add(row)
    session.flush()
    effects = effects_of(session)
    message = row.as_message()
    after_commit(session, lambda: effects.emit(message))
    return row


def publish_many(session: Session, events: list[tuple[str, str, dict[str, Any]]]
                 ) -> list[RealtimeEvent]:
    """``publish`` for many (room, name, payload) events: one flush (a multi-row INSERT)
    stores them all; they are pushed in this order once committed."""
    rows = [RealtimeEvent(room=room, name=name, payload=payload)
            for room, name, payload in events]
    if not rows:
        return rows
    session.add_all(rows)
    session.flush()
    effects = effects_of(session)
    messages = [row.as_message() for row in rows]
    after_commit(session, lambda: [effects.emit(message) for message in messages])
    return rows


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def queue_room(queue_id: int) -> str:
    return f"queue:{queue_id}"


SUPERVISORS_ROOM = "supervisors"
