"""Email: mail received by `entraide smtp` (behind the MX), replies through an SMTP relay."""

from __future__ import annotations

from typing import ClassVar

from channels.email import bounces, files, inbound, outbound
from channels.email.config import EmailCredentials
from hub.domain.errors import BadPayload, ProviderError
from hub.domain.kinds import ChannelKind
from hub.domain.messages import (
    DeliveryUpdate,
    InboundItem,
    OutboundMessage,
    RawRequest,
    RawResponse,
    SendResult,
)
from hub.domain.ports import Capabilities, ChannelAccount

__all__ = ["EmailAdapter", "EmailCredentials"]


class EmailAdapter:
    name: ClassVar[str] = "email"
    kind: ClassVar[ChannelKind] = ChannelKind.EMAIL
    # Plain-text replies; the customer's attachments are kept (docs/channels/email.md).
    capabilities: ClassVar[Capabilities] = Capabilities(max_length=20000, threading=True)

    def handshake(self, req: RawRequest, account: ChannelAccount) -> RawResponse | None:
        return None

    def verify(self, req: RawRequest, account: ChannelAccount) -> None:
        inbound.verify(req, account.credentials)

    def event_key(self, req: RawRequest) -> str:
        return inbound.event_key(req)

    def is_status(self, req: RawRequest) -> bool:
        """A bounce (delivery status notification) is news about a reply we sent."""
        try:
            return bounces.is_report(inbound.message_of(req))
        except BadPayload:  # an empty message: parse refuses it with the reason
            return False

    def ack(self, req: RawRequest) -> RawResponse:
        return RawResponse(250, "2.0.0 OK: message stored", "text/plain")

    def parse(self, req: RawRequest, account: ChannelAccount) -> list[InboundItem]:
        return inbound.parse(req, account.credentials)

    def parse_status(self, req: RawRequest, account: ChannelAccount) -> list[DeliveryUpdate]:
        return bounces.updates(inbound.message_of(req), domain=account.credentials.domain)

    def send(self, message: OutboundMessage, account: ChannelAccount) -> SendResult:
        return outbound.send(message, account.credentials, self.capabilities.max_length)

    def fetch_media(self, url: str, account: ChannelAccount, max_bytes: int) -> bytes:
        raise ProviderError("email attachments are read from the stored mail",
                            retryable=False)

    def embedded_media(self, req: RawRequest, ref: str, max_bytes: int) -> bytes:
        return files.content(inbound.message_of(req), ref, max_bytes)
