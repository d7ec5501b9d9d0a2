"""A channel with no provider: inbound JSON signed with a shared secret, outbound to the log.

Used by the demo and by tests of the hub itself. Inbound body:
``{"id": "...", "from": "...", "body": "..."}`` with ``X-Console-Signature: sha256=<hex>``
= HMAC-SHA256(secret, raw body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from typing import ClassVar

from hub.domain.errors import BadPayload, ProviderError, SignatureRejected
from hub.domain.kinds import ChannelKind, DeliveryStatus, IdentityKind
from hub.domain.messages import (
    DeliveryUpdate,
    InboundItem,
    OutboundMessage,
    RawRequest,
    RawResponse,
    SendResult,
)
from hub.domain.ports import Capabilities, ChannelAccount

log = logging.getLogger(__name__)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class ConsoleAdapter:
    name: ClassVar[str] = "console"
    kind: ClassVar[ChannelKind] = ChannelKind.CHAT
    capabilities: ClassVar[Capabilities] = Capabilities(max_length=4000)

    def handshake(self, req: RawRequest, account: ChannelAccount) -> RawResponse | None:
        return None

    def verify(self, req: RawRequest, account: ChannelAccount) -> None:
        given = req.header("X-Console-Signature")
        if not given:
            raise SignatureRejected("missing X-Console-Signature header")
        if not hmac.compare_digest(given, sign(str(account.credentials), req.body)):
            raise SignatureRejected("X-Console-Signature does not match the body")

    def event_key(self, req: RawRequest) -> str:
        key = str(self._payload(req).get("id", ""))
        if not key or len(key) > 100:
            raise BadPayload("id must be 1 to 100 characters")
        return key

    def is_status(self, req: RawRequest) -> bool:
        return False

    def ack(self, req: RawRequest) -> RawResponse:
        return RawResponse(200, '{"ok": true}', "application/json")

    def parse(self, req: RawRequest, account: ChannelAccount) -> list[InboundItem]:
        payload = self._payload(req)
        sender = payload.get("from")
        body = payload.get("body", "")
        if not isinstance(sender, str) or not sender or not isinstance(body, str):
            raise BadPayload("from must be a non-empty string and body a string")
        return [InboundItem(provider_id=self.event_key(req), sender_kind=IdentityKind.CONSOLE,
                            sender_address=sender, body=body, thread_key=sender,
                            sender_name=str(payload.get("name", "")))]

    def parse_status(self, req: RawRequest, account: ChannelAccount) -> list[DeliveryUpdate]:
        return []

    def send(self, message: OutboundMessage, account: ChannelAccount) -> SendResult:
        log.info("console send to %s: %s", message.to, message.body)
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}",
                          status=DeliveryStatus.DELIVERED)

    def fetch_media(self, url: str, account: ChannelAccount, max_bytes: int) -> bytes:
        raise ProviderError("the console channel has no media", retryable=False)

    @staticmethod
    def _payload(req: RawRequest) -> dict[str, object]:
        try:
            payload = json.loads(req.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise BadPayload(f"body is not JSON: {error}") from None
        if not isinstance(payload, dict):
            raise BadPayload("body must be a JSON object")
        return payload
