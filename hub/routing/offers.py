"""What an advisor sees in an offer: the work, the customer, the timeline, the account."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from hub.customers.queries import customer_summary
from hub.domain.ports import AccountProvider
from hub.routing.models import Offer
from hub.timeline.queries import recent_items

log = logging.getLogger(__name__)


def offer_payload(session: Session, *, offer: Offer, accounts: AccountProvider) -> dict[str, Any]:
    item = offer.work_item
    conversation = item.conversation
    return {
        "offer_id": offer.id,
        "expires_at": offer.expires_at.isoformat(),
        "work_item": {
            "id": item.id,
            "queue": item.queue.name,
            "channel": conversation.channel,
            "conversation_id": conversation.id,
            "waiting_since": item.created_at.isoformat(),
        },
        "customer": customer_summary(session, conversation.customer_id),
        "timeline": recent_items(session, conversation.customer_id, limit=10),
        "account": account_summary(accounts, conversation.customer_id),
    }


def account_summary(accounts: AccountProvider, customer_id: int) -> dict[str, Any]:
    """Never let account data break an offer: degrade to "unavailable"."""
    try:
        return accounts.summary(customer_id)
    except Exception:  # noqa: BLE001 - any provider failure degrades the same way
        log.warning("account data unavailable for customer %s", customer_id, exc_info=True)
        return {"available": False}
