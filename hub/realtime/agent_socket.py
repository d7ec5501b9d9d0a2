"""The ``/agent`` namespace: authenticated advisors, their rooms, offers and presence.

Every push arrives as one ``event`` message ``{id, event, room, data}``; the browser keeps
the highest id and catches up through ``GET /api/v1/events?after=ID`` on reconnect.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import SocketIO, join_room
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.auth.service import user_for_token
from hub.db import transaction
from hub.domain.errors import NotAllowed
from hub.routing.presence import PresenceStatus
from hub.routing.queries import rooms_for
from hub.routing.service import accept_offer, decline_offer, dispatch_waiting
from hub.web import services

log = logging.getLogger(__name__)
NAMESPACE = "/agent"
_USERS: dict[str, int] = {}  # socket id -> user id, for this process's sockets


def register(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("accept", on_accept, namespace=NAMESPACE)
    socketio.on_event("decline", on_decline, namespace=NAMESPACE)
    socketio.on_event("presence", on_presence, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)


def on_connect(auth: dict[str, Any] | None = None) -> bool:
    with transaction(services().sessions) as session:
        user = _authenticate(session, auth)
        if user is None:
            log.warning("socket refused: not authenticated (sid %s)", request.sid)
            return False
        _USERS[request.sid] = user.id
        for room in rooms_for(session, user):
            join_room(room)
        presence = services().presence
        first = presence.socket_opened(user.id, request.sid) == 1
        if first and presence.status(user.id) == PresenceStatus.OFFLINE:
            presence.set_status(user.id, PresenceStatus.AVAILABLE)
        if presence.status(user.id) == PresenceStatus.AVAILABLE:
            dispatch_waiting(session, ctx=services().routing, user_id=user.id)
    return True


def _authenticate(session: Session, auth: dict[str, Any] | None) -> User | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return user_for_token(session, token)
    if current_user.is_authenticated:
        user = session.get(User, current_user.id)
        return user if user is not None and user.active else None
    return None


def on_disconnect(*_args: Any) -> None:
    user_id = _USERS.pop(request.sid, None)
    if user_id is None:
        return
    if services().presence.socket_closed(user_id, request.sid) == 0:
        services().presence.set_status(user_id, PresenceStatus.OFFLINE)


def on_accept(data: Any = None) -> dict[str, Any]:
    return _answer(data, accept=True)


def on_decline(data: Any = None) -> dict[str, Any]:
    return _answer(data, accept=False)


def _answer(data: Any, *, accept: bool) -> dict[str, Any]:
    user_id = _USERS.get(request.sid)
    offer_id = data.get("offer_id") if isinstance(data, dict) else None
    if user_id is None or not isinstance(offer_id, int):
        log.warning("socket %s sent a malformed offer answer", request.sid)
        return {"ok": False, "reason": "offer_id must be an integer"}
    try:
        with transaction(services().sessions) as session:
            user = session.get(User, user_id)
            assert user is not None
            ctx = services().routing
            if accept:
                item = accept_offer(session, ctx=ctx, offer_id=offer_id, user=user)
                return {"ok": True, "conversation_id": item.conversation_id}
            decline_offer(session, ctx=ctx, offer_id=offer_id, user=user)
            return {"ok": True}
    except NotAllowed as error:
        return {"ok": False, "reason": error.reason}


def on_presence(data: Any = None) -> dict[str, Any]:
    user_id = _USERS.get(request.sid)
    wanted = data.get("status") if isinstance(data, dict) else None
    allowed = {s.value for s in PresenceStatus} - {PresenceStatus.BUSY.value}
    if user_id is None or wanted not in allowed:
        return {"ok": False, "reason": f"status must be one of {sorted(allowed)}"}
    status = PresenceStatus(wanted)
    services().presence.set_status(user_id, status)
    if status == PresenceStatus.AVAILABLE:
        with transaction(services().sessions) as session:
            dispatch_waiting(session, ctx=services().routing, user_id=user_id)
    return {"ok": True, "status": status.value}


def on_unknown(event: str, *_args: Any) -> None:
    log.warning("socket %s sent unknown event %r; ignored", request.sid, event[:60])
