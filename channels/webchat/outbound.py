"""An advisor's reply, pushed to the visitor's live connection (Socket.IO ``/visitor``).

The reply is already on the timeline (the hub stored it before queueing the delivery), so
a visitor who is not connected sees it in the history when the widget next loads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from channels.webchat.config import WebchatCredentials, visitor_room
from channels.webchat.session import VISITOR_ID
from hub.domain.errors import ProviderError
from hub.domain.kinds import DeliveryStatus
from hub.domain.messages import OutboundMessage, SendResult

PREFIX = "visitor:"


def provider_id(idempotency_key: str) -> str:
    """The id of a reply, known to the widget (push) and to the history (delivery)."""
    return f"webchat-{idempotency_key}"


def send(message: OutboundMessage, credentials: WebchatCredentials,
         account_key: str) -> SendResult:
    visitor = message.to.removeprefix(PREFIX)
    if not message.to.startswith(PREFIX) or not VISITOR_ID.match(visitor):
        raise ProviderError(f"{message.to[:60]!r} is not a web-chat visitor", retryable=False)
    key = provider_id(message.idempotency_key)
    credentials.push(visitor_room(account_key, visitor), "message", {
        "key": key, "direction": "outbound", "body": message.body,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    return SendResult(provider_id=key, status=DeliveryStatus.SENT)
