"""The web process's Socket.IO client manager: the Redis message queue, minus the work for
rooms nobody on this process is in.

Every numbered event reaches every web process through Redis; python-socketio then builds
(JSON-encodes) the packet before it looks for the room's sockets. An advisor's room lives
on the one process that holds their socket, so with N web processes N − 1 of them built
every ``offer.created`` for nothing. Here an event to a single named room that has no
socket on this process is dropped before any of that.
"""

from __future__ import annotations

from typing import Any

from socketio import RedisManager


class LocalRoomsRedisManager(RedisManager):
    def _handle_emit(self, message: dict[str, Any]) -> None:
        room = message.get("room")
        if isinstance(room, str) and message.get("callback") is None and \
                room not in self.rooms.get(message.get("namespace") or "/", {}):
            return
        super()._handle_emit(message)
