"""SMS and MMS through Twilio Programmable Messaging."""

from __future__ import annotations

from typing import ClassVar

from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_sms import inbound, outbound
from channels.twilio_sms.config import TwilioCredentials
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

__all__ = ["TwilioCredentials", "TwilioSmsAdapter"]

EMPTY_TWIML = str(MessagingResponse())  # every inbound message gets this answer


class TwilioSmsAdapter:
    name: ClassVar[str] = "twilio_sms"
    kind: ClassVar[ChannelKind] = ChannelKind.SMS
    # Twilio concatenates up to 10 segments (1,600 characters) per message.
    capabilities: ClassVar[Capabilities] = Capabilities(max_length=1600, media=True)

    def handshake(self, req: RawRequest, account: ChannelAccount) -> RawResponse | None:
        return None

    def verify(self, req: RawRequest, account: ChannelAccount) -> None:
        inbound.verify(req, account.credentials)

    def event_key(self, req: RawRequest) -> str:
        return inbound.event_key(req)

    def is_status(self, req: RawRequest) -> bool:
        return inbound.is_status(req)

    def ack(self, req: RawRequest) -> RawResponse:
        return RawResponse(200, EMPTY_TWIML, "text/xml")

    def parse(self, req: RawRequest, account: ChannelAccount) -> list[InboundItem]:
        return inbound.parse(req)

    def parse_status(self, req: RawRequest, account: ChannelAccount) -> list[DeliveryUpdate]:
        return inbound.parse_status(req)

    def send(self, message: OutboundMessage, account: ChannelAccount) -> SendResult:
        return outbound.send(message, account.credentials, from_=account.address)

    def fetch_media(self, url: str, account: ChannelAccount, max_bytes: int) -> bytes:
        return outbound.fetch_media(url, account.credentials, max_bytes)
