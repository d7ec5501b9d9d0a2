"""Reads of the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.timeline.models import Interaction


def interaction_view(row: Interaction) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "channel": row.channel,
        "direction": row.direction,
        "body": row.body,
        "status": row.status,
        "occurred_at": row.occurred_at.isoformat(),
        "attachments": [
            {"id": a.id, "content_type": a.content_type, "state": a.state}
            for a in row.attachments
        ],
    }


def recent_items(session: Session, customer_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """The customer's latest interactions on every channel, newest first."""
    query = (
        select(Interaction)
        .where(Interaction.customer_id == customer_id)
        .options(selectinload(Interaction.attachments))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return [interaction_view(row) for row in session.scalars(query)]


def find_by_provider_id(session: Session, channel: str, provider_id: str) -> Interaction | None:
    return session.scalar(
        select(Interaction).where(
            Interaction.channel == channel, Interaction.provider_id == provider_id
        )
    )
