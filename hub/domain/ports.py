"""The interfaces adapters implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from hub.domain.kinds import ChannelKind
from hub.domain.messages import (
    DeliveryUpdate,
    InboundItem,
    OutboundMessage,
    RawRequest,
    RawResponse,
    SendResult,
)


@dataclass(frozen=True)
class Capabilities:
    max_length: int
    media: bool = False
    threading: bool = False


@dataclass(frozen=True)
class ChannelAccount:
    """One configured provider account (a Twilio number, a mailbox…): the URL's <account>."""

    channel: str
    key: str
    address: str
    credentials: Any


class ChannelAdapter(Protocol):
    name: ClassVar[str]
    kind: ClassVar[ChannelKind]
    capabilities: ClassVar[Capabilities]

    def handshake(self, req: RawRequest, account: ChannelAccount) -> RawResponse | None: ...

    def verify(self, req: RawRequest, account: ChannelAccount) -> None: ...

    def event_key(self, req: RawRequest) -> str: ...

    def is_status(self, req: RawRequest) -> bool: ...

    def ack(self, req: RawRequest) -> RawResponse: ...

    def parse(self, req: RawRequest, account: ChannelAccount) -> list[InboundItem]: ...

    def parse_status(self, req: RawRequest, account: ChannelAccount) -> list[DeliveryUpdate]: ...

    def send(self, message: OutboundMessage, account: ChannelAccount) -> SendResult: ...

    def fetch_media(self, url: str, account: ChannelAccount, max_bytes: int) -> bytes: ...


VISITOR_SESSION_HEADER = "X-Entraide-Session"


@runtime_checkable
class VisitorSessions(Protocol):
    """An adapter whose customers write from the hub's own widget (web chat): the hub
    issues the visitor's signed session and checks it on the visitor's socket."""

    def issue_session(self, account: ChannelAccount, visitor_id: str) -> str: ...

    def visitor_of(self, token: str | None, account: ChannelAccount) -> str: ...

    def new_visitor_id(self) -> str: ...

    def room(self, account: ChannelAccount, visitor_id: str) -> str: ...


@runtime_checkable
class EmbeddedMedia(Protocol):
    """An adapter whose attachments travel inside the stored event (an email's MIME
    parts) rather than at a provider's URL: the media worker hands it the stored request
    and the attachment's reference (the ``url`` its parse gave)."""

    def embedded_media(self, req: RawRequest, ref: str, max_bytes: int) -> bytes: ...


class AccountProvider(Protocol):
    """Where the customer's account history (plan, invoices, orders) comes from."""

    def summary(self, customer_id: int) -> dict[str, Any]: ...
