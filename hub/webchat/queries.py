"""What a visitor may read: the web-chat messages of their own threads, nothing else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.domain.kinds import Direction
from hub.replies.models import Delivery
from hub.timeline.models import Conversation, Interaction

CHANNEL = "webchat"
HISTORY_LIMIT = 200


def visitor_thread(visitor_id: str) -> str:
    """The thread key the intake gives a visitor's conversations (their identity key)."""
    return f"visitor:{visitor_id}"


def visitor_history(session: Session, *, account: str, visitor_id: str,
                    limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The visitor's web-chat messages, oldest first (the latest ``limit``): what they
    wrote and the replies sent to them on this channel. Notes, other channels and other
    customers' conversations never appear, even after the visitor was merged."""
    query = (
        select(Interaction, Delivery.idempotency_key)
        .join(Conversation, Conversation.id == Interaction.conversation_id)
        .outerjoin(Delivery, Delivery.interaction_id == Interaction.id)
        .where(Conversation.channel == CHANNEL, Conversation.account == account,
               Conversation.thread_key == visitor_thread(visitor_id),
               Interaction.channel == CHANNEL)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(query))
    return [_view(row, key) for row, key in reversed(rows)]


def open_conversation_id(session: Session, *, account: str, visitor_id: str) -> int | None:
    """The visitor's open web-chat conversation, if any (typing goes there)."""
    return session.scalar(
        select(Conversation.id)
        .where(Conversation.channel == CHANNEL, Conversation.account == account,
               Conversation.thread_key == visitor_thread(visitor_id),
               Conversation.status == "open")
        .order_by(Conversation.id.desc()).limit(1))


def _view(row: Interaction, idempotency_key: str | None) -> dict[str, Any]:
    inbound = row.direction == Direction.INBOUND
    key = row.provider_id if inbound else f"webchat-{idempotency_key or row.id}"
    return {"key": key, "direction": row.direction, "body": row.body,
            "at": row.occurred_at.isoformat(timespec="seconds")}
