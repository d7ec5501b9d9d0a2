"""The web process's Socket.IO client manager: the Redis message queue, minus the work for
rooms nobody on this process is in.

Every numbered event reaches every web process through Redis; python-socketio then builds
(JSON-encodes) the packet before it looks for the room's sockets. An advisor's room lives
on the one process that holds their socket, so with N web processes N − 1 of them built
every ``offer.created`` for nothing. Here an event to a single named room that has no
socket on this process is dropped before any of that.
"""

from __future__ import annotations

import threading
from typing import Any

from socketio import RedisManager


class LocalRoomsRedisManager(RedisManager):
    def _handle_emit(self, message: dict[str, Any]) -> None:
        room = message.get("room")
        if isinstance(room, str) and message.get("callback") is None and \
                room not in self.rooms.get(message.get("namespace") or "/", {}):
            return
        super()._handle_emit(message)


class PipelinedRedisManager(RedisManager):
    """The write-only manager of workers and web processes (``hub/bootstrap.py``), which
    can also publish many emits in one Redis round trip: a routing pass pushes hundreds
    of offers, and one PUBLISH round trip each delayed the last of them (and cost CPU).
    The messages are python-socketio's own (``emit`` builds them); only their publishing
    is pipelined."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()  # the batch being built, per thread

    def _publish(self, data: Any) -> Any:
        batch = getattr(self._local, "batch", None)
        if batch is not None:
            batch.append(self.json.dumps(data))
            return None
        return super()._publish(data)

    def emit_many(self, emits: list[tuple[str, Any, str, str]]) -> None:
        """``emit(event, data, namespace=…, room=…)`` for each (event, data, namespace,
        room), published in this order in one pipeline; raises if Redis fails twice."""
        self._local.batch = batch = []
        try:
            for event, data, namespace, room in emits:
                self.emit(event, data, namespace=namespace, room=room)
        finally:
            self._local.batch = None
        for retries_left in (1, 0):
            try:
                if not self.connected:
                    self._redis_connect()
                pipe = self.redis.pipeline(transaction=False)
                for encoded in batch:
                    pipe.publish(self.channel, encoded)
                pipe.execute()
                return
            except Exception:
                self.connected = False  # as RedisManager._publish: reconnect, retry once
                if not retries_left:
                    raise
