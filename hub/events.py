"""The realtime outbox: every push is first a numbered row, emitted after commit.

Sockets are at-most-once; a client that reconnects asks for rows after the last id it saw
(``GET /api/v1/events?after=ID``) and ignores ids it has already seen.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.db import Base, Effects, after_commit, effects_of, last_effect, utcnow


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


class _Emits:
    """An after-commit effect that pushes messages in order, all in one go when the
    process can (``Effects.emit_many``: one Redis round trip for a whole routing pass)."""

    def __init__(self, effects: Effects) -> None:
        self.effects = effects
        self.messages: list[dict[str, Any]] = []

    def __call__(self) -> None:
        if self.effects.emit_many is not None:
            self.effects.emit_many(self.messages)
            return
        for message in self.messages:
            self.effects.emit(message)


def _emit_after_commit(session: Session, messages: list[dict[str, Any]]) -> None:
    """Push ``messages`` once committed. Publishes with no other effect registered in
    between share one push (the order of effects and messages stays as registered)."""
    last = last_effect(session)
    if not isinstance(last, _Emits):
        last = _Emits(effects_of(session))
        after_commit(session, last)
    last.messages.extend(messages)


def publish(session: Session, *, room: str, name: str, payload: dict[str, Any]) -> RealtimeEvent:
    """Store the event in this transaction; push it to ``room`` once committed. One
    INSERT … RETURNING (no unit of work: web threads publish on every accept and close);
    the row returned is not attached to the session."""
    new_id, created_at = session.execute(
        _insert_event(), {"room": room, "name": name, "payload": payload}).one()
    row = RealtimeEvent(id=new_id, room=room, name=name, payload=payload,
                        created_at=created_at)
    _emit_after_commit(session, [row.as_message()])
    return row


@cache
def _insert_event() -> Any:
    """On the table, not the mapped class: the ORM's bulk-insert path cost more CPU than
    the statement (every accept and close publishes)."""
    table = RealtimeEvent.__table__
    return insert(table).returning(table.c.id, table.c.created_at)


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
    _emit_after_commit(session, [row.as_message() for row in rows])
    return rows


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def queue_room(queue_id: int) -> str:
    return f"queue:{queue_id}"


SUPERVISORS_ROOM = "supervisors"
