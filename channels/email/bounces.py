"""Delivery status notifications (bounces, RFC 3464): news about a reply we sent, never a
customer's message. A bounce must not open a conversation with MAILER-DAEMON; it moves
the reply it reports on to *undelivered* (or *delivered*), as Twilio's status callbacks do.

The reply is found by its Message-ID, taken from the returned message or its headers (the
report's third part) and, failing that, from the report's own In-Reply-To / References.
Only ids of our own domain count: a report about someone else's message changes nothing."""

from __future__ import annotations

from email.message import EmailMessage, Message
from email.parser import HeaderParser

from channels.email import threads
from hub.domain.kinds import DeliveryStatus
from hub.domain.messages import DeliveryUpdate

MAX_CODE = 40  # interactions.error_code
_ACTIONS = {"failed": DeliveryStatus.UNDELIVERED, "delivered": DeliveryStatus.DELIVERED,
            "relayed": DeliveryStatus.DELIVERED, "expanded": DeliveryStatus.DELIVERED}


def is_report(message: EmailMessage) -> bool:
    """A ``multipart/report`` of type ``delivery-status`` (RFC 3462 / 6522)."""
    return (message.get_content_type() == "multipart/report"
            and str(message.get_param("report-type", "")).lower() == "delivery-status")


def updates(message: EmailMessage, *, domain: str) -> list[DeliveryUpdate]:
    """One update for the reported message (the most final action of its recipients);
    none for a delay or when the message is not one of ours."""
    original = _original_id(message, domain)
    if not original:
        return []
    found = [(_ACTIONS[action], code) for action, code in _recipients(message)
             if action in _ACTIONS]
    if not found:
        return []
    status, code = max(found, key=lambda pair: pair[0].rank)
    return [DeliveryUpdate(provider_id=original, status=status, error_code=code[:MAX_CODE])]


def _parts(message: EmailMessage) -> list[Message]:
    payload = message.get_payload()
    return payload if isinstance(payload, list) else []


def _recipients(message: EmailMessage) -> list[tuple[str, str]]:
    """(action, status code) of each per-recipient block of the delivery-status part."""
    found: list[tuple[str, str]] = []
    for part in _parts(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            action = str(block.get("Action", "")).strip().lower()
            if action:
                found.append((action, " ".join(str(block.get("Status", "")).split())))
    return found


def _original_id(message: EmailMessage, domain: str) -> str:
    candidates: list[str] = []
    for part in _parts(message):
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                candidates += threads.message_ids(str(inner[0].get("Message-ID", "")))
        elif kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_text(part), headersonly=True)
            candidates += threads.message_ids(str(headers.get("Message-ID", "")))
    for name in ("In-Reply-To", "References"):
        candidates += threads.message_ids(str(message.get(name, "")))
    suffix = "@" + domain.lower()
    return next((c for c in candidates if c.lower().endswith(suffix)), "")


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", "replace")
    return str(part.get_payload())
