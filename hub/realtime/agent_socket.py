"""The ``/agent`` namespace: authenticated advisors, their rooms, offers and presence.

Every push arrives as one ``event`` message ``{id, event, room, data}``; the browser keeps
the highest id and catches up through ``GET /api/v1/events?after=ID`` on reconnect.
Who looks at which conversation (and types in it) is in ``hub/realtime/viewers.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_socketio import SocketIO, join_room

from hub.db import transaction
from hub.domain.errors import NotAllowed
from hub.realtime import viewers
from hub.realtime.connections import CONNECTIONS, authenticate, keep_alive
from hub.routing.availability import CHOOSABLE, choose_status, socket_closed, socket_opened
from hub.routing.presence import PresenceStatus
from hub.routing.queries import rooms_for
from hub.routing.service import accept_offer, decline_offer
from hub.web import services

log = logging.getLogger(__name__)
NAMESPACE = "/agent"


def register(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("accept", on_accept, namespace=NAMESPACE)
    socketio.on_event("decline", on_decline, namespace=NAMESPACE)
    socketio.on_event("presence", on_presence, namespace=NAMESPACE)
    socketio.on_event("viewing", viewers.on_viewing, namespace=NAMESPACE)
    socketio.on_event("typing", viewers.on_typing, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)


def on_connect(auth: dict[str, Any] | None = None) -> bool:
    keep_alive()
    with transaction(services().sessions) as session:
        user = authenticate(session, auth)
        if user is None:
            log.warning("socket refused: not authenticated (sid %s)", request.sid)
            return False
        for room in rooms_for(session, user):
            join_room(room)
        sockets = CONNECTIONS.opened(services().presence, request.sid, user.id)
        socket_opened(session, ctx=services().routing, user_id=user.id, sockets=sockets)
    return True


def on_disconnect(*_args: Any) -> None:
    sid = request.sid
    viewers.forget_socket(sid)
    closed = CONNECTIONS.closed(services().presence, sid)
    if closed is None:
        return
    user_id, sockets = closed
    with transaction(services().sessions) as session:
        socket_closed(session, ctx=services().routing, user_id=user_id, sockets=sockets)


def on_accept(data: Any = None) -> dict[str, Any]:
    return _answer(data, accept=True)


def on_decline(data: Any = None) -> dict[str, Any]:
    return _answer(data, accept=False)


def _answer(data: Any, *, accept: bool) -> dict[str, Any]:
    user_id = CONNECTIONS.user_of(request.sid)
    offer_id = data.get("offer_id") if isinstance(data, dict) else None
    if user_id is None or not isinstance(offer_id, int) or isinstance(offer_id, bool):
        log.warning("socket %s sent a malformed offer answer", request.sid)
        return {"ok": False, "reason": "offer_id must be an integer"}
    user = _Advisor(user_id)  # the socket's advisor: their row is not needed to answer
    try:
        with transaction(services().sessions) as session:
            ctx = services().routing
            if accept:
                item = accept_offer(session, ctx=ctx, offer_id=offer_id, user=user)
                return {"ok": True, "conversation_id": item.conversation_id,
                        "work_item_id": item.id}
            decline_offer(session, ctx=ctx, offer_id=offer_id, user=user)
            return {"ok": True}
    except NotAllowed as error:
        return {"ok": False, "reason": error.reason}


@dataclass(frozen=True)
class _Advisor:
    id: int


def on_presence(data: Any = None) -> dict[str, Any]:
    user_id = CONNECTIONS.user_of(request.sid)
    wanted = data.get("status") if isinstance(data, dict) else None
    allowed = sorted(s.value for s in CHOOSABLE)
    if user_id is None or wanted not in allowed:
        return {"ok": False, "reason": f"status must be one of {allowed}"}
    status = PresenceStatus(wanted)
    with transaction(services().sessions) as session:
        choose_status(session, ctx=services().routing, user_id=user_id, status=status)
    return {"ok": True, "status": status.value}


def on_unknown(event: str, *_args: Any) -> None:
    log.warning("socket %s sent unknown event %r; ignored", request.sid, event[:60])
