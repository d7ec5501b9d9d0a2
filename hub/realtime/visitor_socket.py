"""The ``/visitor`` namespace: web-chat visitors, each in the room of their own session.

A visitor connects with ``auth={"account": "<web-chat account>", "session": "<visitor
session>"}`` (issued by ``POST /chat/<account>/session``); anything else is refused with
the reason. Replies arrive as ``message`` (pushed by the webchat adapter from a worker,
through the Redis message queue), an advisor typing as ``typing``. The visitor's
``typing`` goes to the advisors viewing their open conversation (``conversation.typing``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_socketio import SocketIO, emit, join_room
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy.orm import Session

from hub.db import transaction
from hub.domain.errors import SignatureRejected, UnknownChannel
from hub.domain.ports import VisitorSessions
from hub.events import publish, user_room
from hub.routing.presence import viewers_key
from hub.timeline.models import Conversation
from hub.web import services
from hub.webchat.queries import CHANNEL, open_conversation_id

log = logging.getLogger(__name__)
NAMESPACE = "/visitor"
TYPING_EVERY_MS = 2000
VISITOR_PREFIX = "visitor:"
_VISITORS: dict[str, tuple[str, str]] = {}  # this process: socket id -> (account, visitor)


def register(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("typing", on_typing, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)


def on_connect(auth: dict[str, Any] | None = None) -> bool:
    given = auth if isinstance(auth, dict) else {}
    account, token = given.get("account"), given.get("session")
    try:
        if not isinstance(account, str) or not isinstance(token, str):
            raise SignatureRejected("auth must be {account, session}")
        adapter = services().channels.adapter(CHANNEL)
        configured = services().channels.account(CHANNEL, account)
        assert isinstance(adapter, VisitorSessions)
        visitor = adapter.visitor_of(token, configured)
    except (SignatureRejected, UnknownChannel) as error:
        log.warning("visitor socket refused (sid %s): %s", request.sid, error.reason)
        raise Refused(error.reason) from None  # the client gets the reason
    join_room(adapter.room(configured, visitor))
    _VISITORS[request.sid] = (account, visitor)
    return True


def on_disconnect(*_args: Any) -> None:
    _VISITORS.pop(request.sid, None)


def on_typing(_data: Any = None) -> dict[str, Any]:
    known = _VISITORS.get(request.sid)
    if known is None:
        return {"ok": False, "reason": "not connected as a visitor"}
    account, visitor = known
    if not services().redis.set(f"entraide:visitor-typing:{account}:{visitor}", "1",
                                nx=True, px=TYPING_EVERY_MS):
        return {"ok": True}
    with transaction(services().sessions) as session:
        conversation_id = open_conversation_id(session, account=account, visitor_id=visitor)
        told = conversation_id is not None and _tell_advisors(session, conversation_id)
    if not told:  # nobody was watching yet: do not throttle the next keystrokes
        services().redis.delete(f"entraide:visitor-typing:{account}:{visitor}")
    return {"ok": True}


def _tell_advisors(session: Session, conversation_id: int) -> bool:
    viewing = {int(v) for v in services().redis.hvals(viewers_key(conversation_id))}
    if not viewing:
        return False
    conversation = session.get(Conversation, conversation_id)
    assert conversation is not None
    name = conversation.customer.display_name
    payload = {"conversation_id": conversation_id, "user_id": None, "customer": True,
               "name": "" if name.startswith(VISITOR_PREFIX) else name}
    for advisor in sorted(viewing):
        publish(session, room=user_room(advisor), name="conversation.typing", payload=payload)
    return True


def advisor_typing(conversation: Conversation) -> None:
    """An advisor types in a conversation: its visitor sees "an advisor is typing…" when
    the conversation's channel is one of the hub's widgets."""
    try:
        adapter = services().channels.adapter(conversation.channel)
        if not isinstance(adapter, VisitorSessions) or \
                not conversation.thread_key.startswith(VISITOR_PREFIX):
            return
        configured = services().channels.account(conversation.channel, conversation.account)
    except UnknownChannel:
        return
    visitor = conversation.thread_key.removeprefix(VISITOR_PREFIX)
    emit("typing", {}, namespace=NAMESPACE, to=adapter.room(configured, visitor))


def on_unknown(event: str, *_args: Any) -> None:
    log.warning("visitor socket %s sent unknown event %r; ignored", request.sid, event[:60])
