"""Who has a conversation open, and who is typing in it: the collision warning.

The browser says ``viewing {conversation_id, viewing}`` when it opens or closes a
conversation and ``typing {conversation_id}`` while its advisor writes. Viewers are kept
in Redis per conversation (socket id -> advisor), so sockets on every web process count;
each change is pushed as ``conversation.viewers`` to every viewer's own room, typing as
``conversation.typing`` to the other viewers (at most once per 2 s per advisor).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import AccessDenied, access_conversation
from hub.auth.models import User
from hub.db import transaction
from hub.events import publish, user_room
from hub.realtime import visitor_socket
from hub.realtime.connections import CONNECTIONS
from hub.routing.presence import viewers_key
from hub.timeline.models import Conversation
from hub.web import services

log = logging.getLogger(__name__)
TYPING_EVERY_MS = 2000
VIEWERS_TTL = 12 * 3600
_OPEN: dict[str, set[int]] = defaultdict(set)  # this process: socket id -> conversations


def _request(data: Any) -> tuple[int, int] | None:
    user_id = CONNECTIONS.user_of(request.sid)
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    if user_id is None or not isinstance(conversation_id, int) or \
            isinstance(conversation_id, bool):
        return None
    return user_id, conversation_id


def on_viewing(data: Any = None) -> dict[str, Any]:
    asked = _request(data)
    if asked is None:
        return {"ok": False, "reason": "conversation_id must be an integer"}
    user_id, conversation_id = asked
    viewing = data.get("viewing", True) is not False
    redis = services().redis
    with transaction(services().sessions) as session:
        user = session.get(User, user_id)
        try:
            access_conversation(session, user=user, conversation_id=conversation_id)
        except AccessDenied as error:
            return {"ok": False, "reason": error.reason}
        if viewing:
            redis.hset(viewers_key(conversation_id), request.sid, user_id)
            redis.expire(viewers_key(conversation_id), VIEWERS_TTL)
            _OPEN[request.sid].add(conversation_id)
        else:
            redis.hdel(viewers_key(conversation_id), request.sid)
            _OPEN[request.sid].discard(conversation_id)
        shown = announce(session, conversation_id, also=[user_id])
    return {"ok": True, "viewers": shown}


def on_typing(data: Any = None) -> dict[str, Any]:
    asked = _request(data)
    if asked is None:
        return {"ok": False, "reason": "conversation_id must be an integer"}
    user_id, conversation_id = asked
    redis = services().redis
    if redis.hget(viewers_key(conversation_id), request.sid) is None:
        return {"ok": False, "reason": "open the conversation first (viewing)"}
    if not redis.set(f"entraide:typing:{conversation_id}:{user_id}", "1", nx=True,
                     px=TYPING_EVERY_MS):
        return {"ok": True}
    with transaction(services().sessions) as session:
        user = session.get(User, user_id)
        assert user is not None
        payload = {"conversation_id": conversation_id, "user_id": user_id, "name": user.name}
        for other in set(_viewer_ids(conversation_id)) - {user_id}:
            publish(session, room=user_room(other), name="conversation.typing", payload=payload)
        conversation = session.get(Conversation, conversation_id)
        if conversation is not None:
            visitor_socket.advisor_typing(conversation)
    return {"ok": True}


def forget_socket(sid: str) -> None:
    """The socket closed: it views nothing any more."""
    conversations = _OPEN.pop(sid, set())
    if not conversations:
        return
    redis = services().redis
    try:
        with transaction(services().sessions) as session:
            for conversation_id in conversations:
                redis.hdel(viewers_key(conversation_id), sid)
                announce(session, conversation_id)
    except Exception:  # noqa: BLE001 - a closing socket must not fail the disconnect
        log.warning("could not update viewers of socket %s", sid, exc_info=True)


def _viewer_ids(conversation_id: int) -> list[int]:
    raw = services().redis.hvals(viewers_key(conversation_id))
    return sorted({int(v) for v in raw})


def announce(session: Session, conversation_id: int, also: list[int] | None = None
             ) -> list[dict[str, Any]]:
    """Push the current viewers to every viewer (and to ``also``, e.g. one who left)."""
    ids = _viewer_ids(conversation_id)
    names = {uid: name for uid, name in
             session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    shown = [{"user_id": uid, "name": names.get(uid, "")} for uid in ids]
    for uid in sorted(set(ids) | set(also or [])):
        publish(session, room=user_room(uid), name="conversation.viewers",
                payload={"conversation_id": conversation_id, "viewers": shown})
    return shown
