"""Inbound Twilio messaging webhooks: signature, keys, parsing."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from channels.twilio_sms.config import TwilioCredentials
from hub.domain.errors import BadPayload, SignatureRejected
from hub.domain.kinds import DeliveryStatus, IdentityKind
from hub.domain.messages import AttachmentRef, DeliveryUpdate, InboundItem, RawRequest

MAX_MEDIA = 10

STATUSES = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.SENDING,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "partially_delivered": DeliveryStatus.DELIVERED,
    "receiving": DeliveryStatus.RECEIVED,
    "received": DeliveryStatus.RECEIVED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


def verify(req: RawRequest, credentials: TwilioCredentials) -> None:
    """Check X-Twilio-Signature over the public URL and the form, as Twilio signed them."""
    signature = req.header("X-Twilio-Signature")
    if not signature:
        raise SignatureRejected("missing X-Twilio-Signature header")
    validator = RequestValidator(credentials.auth_token)
    params: dict[str, str] = {}
    for key, value in req.form:
        if key in params:
            raise BadPayload(f"repeated form field {key!r}")
        params[key] = value
    if not validator.validate(req.url, params, signature):
        raise SignatureRejected("X-Twilio-Signature does not match this URL and body")


def is_status(req: RawRequest) -> bool:
    keys = {key for key, _ in req.form}
    return "MessageStatus" in keys and "Body" not in keys


def event_key(req: RawRequest) -> str:
    sid = req.form_value("MessageSid") or req.form_value("SmsSid")
    if not sid:
        raise BadPayload("MessageSid is missing")
    if len(sid) > 64:
        raise BadPayload("MessageSid is too long")
    if is_status(req):
        return f"{sid}:{req.form_value('MessageStatus')}"
    return sid


def parse(req: RawRequest) -> list[InboundItem]:
    sender = req.form_value("From")
    if not sender:
        raise BadPayload("From is missing")
    return [
        InboundItem(
            provider_id=event_key(req),
            sender_kind=IdentityKind.PHONE,
            sender_address=sender,
            recipient_address=req.form_value("To"),
            body=req.form_value("Body"),
            thread_key=sender,
            attachments=_media(req),
        )
    ]


def _media(req: RawRequest) -> tuple[AttachmentRef, ...]:
    raw_count = req.form_value("NumMedia", "0")
    if not (raw_count.isascii() and raw_count.isdecimal()):
        raise BadPayload("NumMedia is not a number")
    count = min(int(raw_count), MAX_MEDIA)
    refs = []
    for index in range(count):
        url = req.form_value(f"MediaUrl{index}")
        if url:
            kind = req.form_value(f"MediaContentType{index}", "application/octet-stream")
            refs.append(AttachmentRef(url=url, content_type=kind))
    return tuple(refs)


def parse_status(req: RawRequest) -> list[DeliveryUpdate]:
    raw = req.form_value("MessageStatus").lower()
    status = STATUSES.get(raw)
    if status is None:
        raise BadPayload(f"unknown MessageStatus {raw!r}")
    sid = req.form_value("MessageSid") or req.form_value("SmsSid")
    return [DeliveryUpdate(provider_id=sid, status=status, error_code=req.form_value("ErrorCode"))]
