"""Private notes: written beside a conversation, never sent; @mentions notify colleagues."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.events import publish, user_room
from hub.inbox.errors import BadInput
from hub.inbox.models import Note
from hub.timeline.models import Conversation

MAX_NOTE = 5000
EXCERPT = 200


def add_note(session: Session, *, conversation: Conversation, author: User, body: str,
             mentions: list[int]) -> Note:
    """Store the note and push ``note.mentioned`` to each mentioned colleague (after commit)."""
    text = body.strip()
    if not text:
        raise BadInput("the note is empty", "body")
    if len(text) > MAX_NOTE:
        raise BadInput(f"the note is longer than {MAX_NOTE} characters", "body")
    mentioned = _colleagues(session, mentions)
    note = Note(conversation_id=conversation.id, customer_id=conversation.customer_id,
                author_user_id=author.id, body=text, mentions=[u.id for u in mentioned])
    session.add(note)
    session.flush()
    view = note_view(note, author)
    publish(session, room=user_room(author.id), name="note.created", payload=view)
    for user in mentioned:
        if user.id == author.id:
            continue
        publish(session, room=user_room(user.id), name="note.mentioned", payload={
            "note_id": note.id, "conversation_id": conversation.id,
            "customer_id": conversation.customer_id, "author": author.name,
            "excerpt": text[:EXCERPT]})
    return note


def _colleagues(session: Session, ids: list[int]) -> list[User]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    users = list(session.scalars(select(User).where(User.id.in_(wanted),
                                                    User.active.is_(True))))
    if len(users) != len(wanted):
        missing = sorted(set(wanted) - {u.id for u in users})
        raise BadInput(f"no such colleague: {', '.join(map(str, missing))}", "mentions")
    return users


def customer_notes(session: Session, customer_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The customer's notes on every conversation, newest first."""
    notes = session.scalars(select(Note).where(Note.customer_id == customer_id)
                            .order_by(Note.created_at.desc(), Note.id.desc()).limit(limit))
    return [note_view(n, n.author) for n in notes]


def note_view(note: Note, author: User | None) -> dict[str, Any]:
    return {"id": note.id, "conversation_id": note.conversation_id,
            "customer_id": note.customer_id, "author_user_id": note.author_user_id,
            "author": author.name if author else "", "body": note.body,
            "mentions": list(note.mentions), "created_at": note.created_at.isoformat()}


def colleagues(session: Session) -> list[dict[str, Any]]:
    """Everyone who can be mentioned: the active advisors and supervisors."""
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [{"id": u.id, "name": u.name} for u in users]
