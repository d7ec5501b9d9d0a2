"""The numbered events of one commit leave in one Redis round trip, in order, as the very
messages python-socketio's own emit publishes (so every web process understands them)."""

from __future__ import annotations

import json
import time

from hub.bootstrap import socketio_channel
from hub.db import transaction
from hub.events import publish, publish_many, user_room
from hub.realtime.manager import PipelinedRedisManager


def published(services, action) -> list[dict]:
    pubsub = services.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(socketio_channel(services.redis_url))
    time.sleep(0.05)
    action()
    found, deadline = [], time.monotonic() + 5
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is None:
            if found:
                break
            continue
        found.append(json.loads(message["data"]))
    pubsub.close()
    return found


def test_one_commit_publishes_its_events_in_order(services):
    def commit() -> None:
        with transaction(services.sessions) as session:
            publish(session, room=user_room(7), name="offer.created", payload={"n": 1})
            publish_many(session, [(user_room(7), "offer.accepted", {"n": 2}),
                                   ("supervisors", "queue.stats", {"n": 3})])

    messages = published(services, commit)
    assert [(m["namespace"], m["data"][0]["event"], m["data"][0]["data"]["n"])
            for m in messages] == [("/agent", "offer.created", 1),
                                   ("/agent", "offer.accepted", 2),
                                   ("/agent", "queue.stats", 3),
                                   ("/supervisor", "queue.stats", 3)]
    ids = [m["data"][0]["id"] for m in messages]
    assert ids[0] < ids[1] < ids[2] == ids[3]


def test_the_pipelined_messages_are_socketio_s_own(services):
    url = services.redis_url
    manager = PipelinedRedisManager(url, channel=socketio_channel(url), write_only=True)
    event = {"id": 1, "event": "offer.created", "room": "user:7", "data": {"é": [1, None]}}
    one = published(services, lambda: manager.emit("event", event, namespace="/agent",
                                                    room="user:7"))
    many = published(services, lambda: manager.emit_many(
        [("event", event, "/agent", "user:7")]))
    assert len(one) == len(many) == 1
    assert {**one[0], "host_id": None} == {**many[0], "host_id": None}
