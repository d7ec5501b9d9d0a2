"""Who else views a conversation (the collision warning), typing, and the supervisors'
namespace with the live picture — through a real web process."""

from __future__ import annotations

import queue
import time

import requests
import socketio
from sqlalchemy import func, select

from hub.auth.models import Role
from hub.db import transaction
from hub.events import SUPERVISORS_ROOM, RealtimeEvent, publish
from hub.routing.feed import publish_feed
from hub.routing.service import accept_offer, default_queue
from tests.hub.routing.builders import agent, bearer, pending_offers, work


class Socket:
    def __init__(self, url: str, token: str, namespace: str = "/agent") -> None:
        self.namespace = namespace
        self.events: queue.Queue = queue.Queue()
        self.history: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self.events.put, namespace=namespace)
        try:
            self.client.connect(url, namespaces=[namespace], auth={"token": token},
                                transports=["websocket"], wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            pass

    @property
    def connected(self) -> bool:
        return self.client.connected and self.namespace in self.client.namespaces

    def call(self, event: str, data) -> dict:
        return self.client.call(event, data, namespace=self.namespace, timeout=10)

    def next(self, name: str, timeout: float = 10, where=lambda data: True) -> dict:
        """The first matching event not returned yet (others are kept for later calls)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.history:
                if message["event"] == name and where(message["data"]):
                    self.history.remove(message)
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name} within {timeout}s")
            try:
                self.history.append(self.events.get(timeout=0.1))
            except queue.Empty:
                pass


def handled_conversation(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        alex = agent(session, services, "Alex", available=False)
        sophie = agent(session, services, "Sophie", role=Role.SUPERVISOR, queues=[],
                       available=False)
        item = work(session, ctx, text="Ma facture")
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    return camille, alex, sophie, item.conversation_id


def names(message) -> list[str]:
    return [v["name"] for v in message["data"]["viewers"]]


def test_viewers_see_each_other_and_typing(live, services):
    camille, alex, sophie, conversation_id = handled_conversation(services)
    mine = Socket(live, camille.token)
    boss = Socket(live, sophie.token)
    other = Socket(live, alex.token)
    assert mine.call("viewing", {"conversation_id": conversation_id})["viewers"] == [
        {"user_id": camille.user.id, "name": "Camille"}]
    shown = boss.call("viewing", {"conversation_id": conversation_id})
    assert [v["name"] for v in shown["viewers"]] == ["Camille", "Sophie"]
    assert names(mine.next("conversation.viewers", where=lambda d: len(d["viewers"]) == 2)) \
        == ["Camille", "Sophie"]
    refused = other.call("viewing", {"conversation_id": conversation_id})
    assert refused == {"ok": False, "reason": "no such conversation"}
    assert other.call("viewing", {"conversation_id": "x"})["ok"] is False

    assert boss.call("typing", {"conversation_id": conversation_id}) == {"ok": True}
    typing = mine.next("conversation.typing")["data"]
    assert typing == {"conversation_id": conversation_id, "user_id": sophie.user.id,
                      "name": "Sophie"}
    assert other.call("typing", {"conversation_id": conversation_id})["ok"] is False

    boss.client.disconnect()  # leaving the page (or losing the network) stops viewing
    assert names(mine.next("conversation.viewers", where=lambda d: len(d["viewers"]) == 1)) \
        == ["Camille"]
    mine.call("viewing", {"conversation_id": conversation_id, "viewing": False})
    assert services.redis.hlen(f"entraide:viewers:{conversation_id}") == 0
    for socket in (mine, other):
        socket.client.disconnect()


def test_the_supervisor_namespace_is_for_supervisors_and_carries_the_live_picture(
        live, services):
    camille, _alex, sophie, _conversation_id = handled_conversation(services)
    assert not Socket(live, camille.token, "/supervisor").connected
    assert not Socket(live, "ent_forged", "/supervisor").connected
    board = Socket(live, sophie.token, "/supervisor")
    assert board.connected
    with transaction(services.sessions) as session:
        publish_feed(session, ctx=services.routing)
    state = board.next("advisor.state", where=lambda d: d["user_id"] == camille.user.id)
    assert state["data"]["load"] == {"voice": 0, "chat": 0, "async": 1}
    assert state["data"]["status"] == "available"
    stats = board.next("queue.stats")["data"]
    assert (stats["assigned"], stats["waiting"]) == (1, 0)

    with transaction(services.sessions) as session:
        alert = publish(session, room=SUPERVISORS_ROOM, name="sla.breached",
                        payload={"work_item_id": 1})
    received = board.next("sla.breached")
    assert received["id"] == alert.id
    caught_up = requests.get(f"{live}/api/v1/events?after={alert.id - 1}",
                             headers=bearer(sophie), timeout=10).json()
    assert [e["event"] for e in caught_up["events"]] == ["sla.breached"]
    mine = requests.get(f"{live}/api/v1/events?after=0", headers=bearer(camille),
                        timeout=10).json()
    assert "sla.breached" not in [e["event"] for e in mine["events"]]
    board.client.disconnect()


def test_the_feed_publishes_only_what_changed(services):
    with transaction(services.sessions) as session:
        agent(session, services, "Camille")
    with transaction(services.sessions) as session:
        first = publish_feed(session, ctx=services.routing)
    with transaction(services.sessions) as session:
        again = publish_feed(session, ctx=services.routing)
    assert first >= 2 and again == 0  # the default queue and Camille, then nothing new
    with services.sessions() as session:
        rooms = session.execute(select(RealtimeEvent.name, RealtimeEvent.room)
                                .order_by(RealtimeEvent.id)).all()
    queue_id = default_queue_id(services)
    assert [tuple(r) for r in rooms] == [
        ("queue.stats", "supervisors"), ("queue.counts", f"queue:{queue_id}"),
        ("advisor.state", "supervisors")]


def default_queue_id(services) -> int:
    with transaction(services.sessions) as session:
        return default_queue(session).id


def test_queue_members_get_the_counts_at_most_every_interval(services):
    """Under load the waiting figures change at every tick; each queue.counts goes to every
    member's socket (and reloads their list), so it waits QUEUE_COUNTS_INTERVAL_SECONDS
    (5 by default) while supervisors still get queue.stats at every change."""
    ctx = services.routing
    with transaction(services.sessions) as session:
        agent(session, services, "Camille", available=False)
        work(session, ctx, kind="email", channel="email")
    names = []
    for at in (1000.0, 1001.0, 1006.0):
        with transaction(services.sessions) as session:
            work(session, ctx, kind="email", channel="email")  # one more waiting each time
            before = session.scalar(select(func.max(RealtimeEvent.id))) or 0
        with transaction(services.sessions) as session:
            publish_feed(session, ctx=ctx, now=at)
        with services.sessions() as session:
            names.append(sorted(set(session.scalars(
                select(RealtimeEvent.name).where(RealtimeEvent.id > before,
                                                 RealtimeEvent.name.like("queue.%"))))))
    assert names[0] == ["queue.counts", "queue.stats"]
    assert names[1] == ["queue.stats"]  # 1 s later: counts changed, but not pushed yet
    assert names[2] == ["queue.counts", "queue.stats"]
