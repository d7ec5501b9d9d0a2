"""This web process's sockets: who they belong to, and a heartbeat that tells the other
processes we are alive (a web process that dies cannot close its sockets; the routing tick
closes them when the heartbeat stops)."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import Any

from flask import current_app
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.auth.service import user_for_token
from hub.routing.presence import Presence

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5


class Connections:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._users: dict[str, int] = {}  # socket id -> user id
        self._pid = 0
        self._web_id = ""
        self.heartbeat_started = False

    @property
    def web_id(self) -> str:
        """Unique per process (a fork gets its own)."""
        if self._pid != os.getpid():
            self._pid, self._web_id = os.getpid(), uuid.uuid4().hex
            self._users.clear()
            self.heartbeat_started = False
        return self._web_id

    def opened(self, presence: Presence, sid: str, user_id: int) -> int:
        with self.lock:
            self._users[sid] = user_id
            return presence.socket_opened(user_id, sid, self.web_id)

    def closed(self, presence: Presence, sid: str) -> tuple[int, int] | None:
        """(advisor, sockets they still have) or None for an unknown socket."""
        with self.lock:
            user_id = self._users.pop(sid, None)
            if user_id is None:
                return None
            return user_id, presence.socket_closed(user_id, sid, self.web_id)

    def user_of(self, sid: str) -> int | None:
        return self._users.get(sid)

    def sids_of(self, user_id: int) -> list[str]:
        return [sid for sid, uid in list(self._users.items()) if uid == user_id]

    def beat(self, presence: Presence) -> None:
        with self.lock:
            presence.reassert(self.web_id, [(uid, sid) for sid, uid in self._users.items()])


CONNECTIONS = Connections()


def keep_alive() -> None:
    """Start this process's heartbeat once (lazily: gunicorn forks after create_app)."""
    _ = CONNECTIONS.web_id
    with CONNECTIONS.lock:
        if CONNECTIONS.heartbeat_started:
            return
        CONNECTIONS.heartbeat_started = True
    socketio = current_app.extensions["entraide.socketio"]
    presence = current_app.extensions["entraide"].presence
    socketio.start_background_task(_heartbeat, socketio, presence)


def _heartbeat(socketio: Any, presence: Presence) -> None:
    while True:
        try:
            CONNECTIONS.beat(presence)
        except RedisError:
            log.warning("presence heartbeat failed; retrying", exc_info=True)
        socketio.sleep(HEARTBEAT_SECONDS)


def authenticate(session: Session, auth: dict[str, Any] | None) -> User | None:
    """An API token in the socket's auth, else the browser's session cookie."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return user_for_token(session, token)
    if current_user.is_authenticated:
        user = session.get(User, current_user.id)
        return user if user is not None and user.active else None
    return None
