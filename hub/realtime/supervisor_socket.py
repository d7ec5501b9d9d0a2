"""The ``/supervisor`` namespace: supervisors and admins only, in the ``supervisors`` room.

It carries the live picture (``queue.stats``, ``advisor.state``) and the SLA alerts
(``sla.warning``, ``sla.breached``), numbered like every push. A dashboard loads
``GET /api/v1/routing/overview`` first, then applies the events (catching up through
``GET /api/v1/events?after=ID`` after a reconnect).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_socketio import SocketIO, join_room

from hub.db import transaction
from hub.events import SUPERVISORS_ROOM
from hub.realtime.connections import authenticate
from hub.web import services

log = logging.getLogger(__name__)
NAMESPACE = "/supervisor"


def register(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)


def on_connect(auth: dict[str, Any] | None = None) -> bool:
    with transaction(services().sessions) as session:
        user = authenticate(session, auth)
        if user is None or not user.is_supervisor:
            log.warning("supervisor socket refused (sid %s)", request.sid)
            return False
    join_room(SUPERVISORS_ROOM)
    return True


def on_unknown(event: str, *_args: Any) -> None:
    log.warning("supervisor socket %s sent unknown event %r; ignored", request.sid, event[:60])
