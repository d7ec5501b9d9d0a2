"""A message the widget posts to ``/hooks/webchat/<account>``.

Body (JSON): ``{"id": "<the widget's id for this message>", "body": "…"}``, with the
visitor session in the ``X-Entraide-Session`` header. The id is the widget's: a retried
post is one message. It is scoped by the visitor, so two visitors cannot collide.
"""

from __future__ import annotations

import json
import re

from channels.webchat.config import SESSION_HEADER, WebchatCredentials
from channels.webchat.session import unverified_visitor_of, visitor_of
from hub.domain.errors import BadPayload
from hub.domain.kinds import IdentityKind
from hub.domain.messages import InboundItem, RawRequest

MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY = 4000


def verify(req: RawRequest, credentials: WebchatCredentials, account_key: str) -> str:
    return visitor_of(req.header(SESSION_HEADER), credentials, account_key)


def payload(req: RawRequest) -> dict[str, object]:
    try:
        data = json.loads(req.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadPayload(f"body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadPayload("body must be a JSON object")
    return data


def event_key(req: RawRequest) -> str:
    """The message's key; a message that could never be parsed is refused here, at the
    door (400 with the reason), rather than stored and failed later."""
    data = payload(req)
    _body(data)
    message_id = data.get("id")
    if not isinstance(message_id, str) or not MESSAGE_ID.match(message_id):
        raise BadPayload("id must be 1 to 64 characters from A-Z a-z 0-9 _ -")
    visitor = unverified_visitor_of(req.header(SESSION_HEADER))
    if not visitor:
        raise BadPayload("the message carries no visitor session")
    return f"{visitor}:{message_id}"


def parse(req: RawRequest) -> list[InboundItem]:
    body = _body(payload(req))
    visitor = unverified_visitor_of(req.header(SESSION_HEADER))
    return [InboundItem(provider_id=event_key(req), sender_kind=IdentityKind.CHAT,
                        sender_address=visitor, body=body, thread_key=visitor)]


def _body(data: dict[str, object]) -> str:
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise BadPayload("body must be a non-empty string")
    if len(body) > MAX_BODY:
        raise BadPayload(f"body must be at most {MAX_BODY} characters")
    return body.strip()
