"""Web chat: the hub's own widget on the brand's site (docs/channels/webchat.md).

Inbound: the widget posts JSON to ``/hooks/webchat/<account>`` with the visitor session
the hub issued (``session.py``). Outbound: replies are pushed to the visitor's room on
the ``/visitor`` Socket.IO namespace through the ``push`` the composition root gives.
"""

from __future__ import annotations

from typing import ClassVar

from channels.webchat import inbound, outbound, session
from channels.webchat.config import WebchatCredentials, visitor_room
from hub.domain.errors import ProviderError
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

__all__ = ["WebchatAdapter", "WebchatCredentials"]


class WebchatAdapter:
    name: ClassVar[str] = "webchat"
    kind: ClassVar[ChannelKind] = ChannelKind.CHAT
    capabilities: ClassVar[Capabilities] = Capabilities(max_length=inbound.MAX_BODY)

    def handshake(self, req: RawRequest, account: ChannelAccount) -> RawResponse | None:
        return None

    def verify(self, req: RawRequest, account: ChannelAccount) -> None:
        inbound.verify(req, _credentials(account), account.key)

    def event_key(self, req: RawRequest) -> str:
        return inbound.event_key(req)

    def is_status(self, req: RawRequest) -> bool:
        return False

    def ack(self, req: RawRequest) -> RawResponse:
        return RawResponse(202, '{"ok": true}', "application/json")

    def parse(self, req: RawRequest, account: ChannelAccount) -> list[InboundItem]:
        return inbound.parse(req)

    def parse_status(self, req: RawRequest, account: ChannelAccount) -> list[DeliveryUpdate]:
        return []

    def send(self, message: OutboundMessage, account: ChannelAccount) -> SendResult:
        return outbound.send(message, _credentials(account), account.key)

    def fetch_media(self, url: str, account: ChannelAccount, max_bytes: int) -> bytes:
        raise ProviderError("web chat carries no media yet", retryable=False)

    # VisitorSessions (hub/domain/ports.py): the hub's session endpoint and socket use these.
    def issue_session(self, account: ChannelAccount, visitor_id: str) -> str:
        return session.issue(_credentials(account), account.key, visitor_id)

    def visitor_of(self, token: str | None, account: ChannelAccount) -> str:
        return session.visitor_of(token, _credentials(account), account.key)

    def new_visitor_id(self) -> str:
        return session.new_visitor_id()

    def room(self, account: ChannelAccount, visitor_id: str) -> str:
        return visitor_room(account.key, visitor_id)


def _credentials(account: ChannelAccount) -> WebchatCredentials:
    credentials = account.credentials
    if not isinstance(credentials, WebchatCredentials):
        raise ProviderError(f"web-chat account {account.key!r} has no credentials",
                            retryable=False)
    return credentials
