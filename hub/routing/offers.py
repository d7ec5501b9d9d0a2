"""What an advisor sees in an offer: the work, the customer, the timeline, the account."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.customers.queries import customer_summary
from hub.domain.kinds import Direction
from hub.domain.ports import AccountProvider
from hub.routing.models import Offer, Transfer
from hub.routing.strategy import channel_class
from hub.timeline.models import Interaction
from hub.timeline.queries import recent_items

log = logging.getLogger(__name__)


def offer_payload(session: Session, *, offer: Offer, accounts: AccountProvider) -> dict[str, Any]:
    item = offer.work_item
    conversation = item.conversation
    return {
        "offer_id": offer.id,
        "expires_at": offer.expires_at.isoformat(),
        "kind": offer.kind,
        "note": offer.note,
        "auto_accepted": offer.auto_accepted,
        "work_item": {
            "id": item.id,
            "queue": item.queue.name,
            "queue_id": item.queue_id,
            "channel": conversation.channel,
            "channel_class": channel_class(item.channel_kind),
            "conversation_id": conversation.id,
            "waiting_since": item.created_at.isoformat(),
            "priority": item.priority,
            "language": item.language,
            "attributes": item.attributes,
            "preview": latest_words(session, conversation.id),
        },
        "customer": customer_summary(session, conversation.customer_id),
        "timeline": recent_items(session, conversation.customer_id, limit=10),
        "account": account_summary(accounts, conversation.customer_id),
        "transfer": last_transfer(session, item.id),
    }


def latest_words(session: Session, conversation_id: int) -> str:
    """The customer's last words in this conversation (the offer's "first words")."""
    body = session.scalar(
        select(Interaction.body)
        .where(Interaction.conversation_id == conversation_id,
               Interaction.direction == Direction.INBOUND)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(1))
    return (body or "")[:280]


def last_transfer(session: Session, work_item_id: int) -> dict[str, Any] | None:
    """The latest hand-over of this item, with its note, for the advisor who gets it."""
    row = session.execute(
        select(Transfer, User.name)
        .outerjoin(User, User.id == Transfer.by_user_id)
        .where(Transfer.work_item_id == work_item_id)
        .order_by(Transfer.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    transfer, by_name = row
    return {"note": transfer.note, "by_user_id": transfer.by_user_id, "by_name": by_name,
            "from_user_id": transfer.from_user_id, "at": transfer.created_at.isoformat()}


def account_summary(accounts: AccountProvider, customer_id: int) -> dict[str, Any]:
    """Never let account data break an offer: degrade to "unavailable"."""
    try:
        return accounts.summary(customer_id)
    except Exception:  # noqa: BLE001 - any provider failure degrades the same way
        log.warning("account data unavailable for customer %s", customer_id, exc_info=True)
        return {"available": False}
