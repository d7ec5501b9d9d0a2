"""What crosses the channel seam: raw requests in, normalized items out, messages to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.kinds import DeliveryStatus, IdentityKind


@dataclass(frozen=True)
class RawRequest:
    """An HTTP request as the provider made it. ``url`` is the public URL it signed."""

    method: str
    url: str
    headers: dict[str, str]
    form: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: bytes

    def form_value(self, name: str, default: str = "") -> str:
        for key, value in self.form:
            if key == name:
                return value
        return default

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class RawResponse:
    status: int
    body: str
    content_type: str = "text/plain"


@dataclass(frozen=True)
class AttachmentRef:
    """A file the provider holds; a worker fetches it, never the web request."""

    url: str
    content_type: str
    filename: str = ""  # the name the sender gave the file, if any (shown, never a path)


@dataclass(frozen=True)
class InboundItem:
    """One message from a customer, normalized.

    An adapter passes the sender's id as the provider gives it: a phone number, an email,
    a WhatsApp ``wa_id`` (kind WHATSAPP), a Messenger / Instagram / X user id with the
    page or account it is scoped to in ``sender_scope``, a web-chat visitor id (kind CHAT).
    The hub normalizes it (hub/domain/addresses.py) and finds the customer."""

    provider_id: str
    sender_kind: IdentityKind
    sender_address: str
    body: str
    recipient_address: str = ""
    sender_name: str = ""
    thread_key: str = ""
    occurred_at: datetime | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    sender_scope: str = ""  # the page / account a scoped id belongs to (SCOPED_KINDS)
    subject: str = ""  # an email's subject: the conversation's subject when it opens one
    html: str = ""  # an email's HTML part, already sanitized by the adapter ("" if none)


@dataclass(frozen=True)
class DeliveryUpdate:
    """A provider's news about a message we sent."""

    provider_id: str
    status: DeliveryStatus
    error_code: str = ""


@dataclass(frozen=True)
class Quote:
    """The message a reply quotes (an email reply's "On …, X wrote:" and ``>`` lines)."""

    text: str
    author: str
    at: datetime
    language: str = ""  # the customer's ("fr", "en"…): the attribution line's language


@dataclass(frozen=True)
class OutboundMessage:
    to: str
    body: str
    idempotency_key: str
    status_callback_url: str = ""
    media_urls: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    # The conversation it answers, for channels that thread (email): its thread key, its
    # subject and the provider id of the customer's last message (an email's Message-ID).
    thread_key: str = ""
    subject: str = ""
    in_reply_to: str = ""
    # the advisor wrote the subject: sent as is (else "Re: " + the conversation's subject)
    exact_subject: bool = False
    quote: Quote | None = None
    references: tuple[str, ...] = ()  # the thread's message ids, oldest first (References)


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: DeliveryStatus
