"""Routing is atomic across processes: two web processes, four workers and a scheduler
route 1,000 waiting items (calls, chats, emails, SMS) to advisors whose sockets accept,
decline or ignore every offer and close what they accepted.

Workers offer items (``route_item`` jobs one by one, batch routing passes requested after
each connect, close, decline or expiry, the tick's safety net) while the web processes
accept, decline and close: every process races every other. Afterwards the database
shows that no item was ever assigned twice and that no advisor ever held more than their
capacity (one call or up to three chats, plus asynchronous items; a call never alongside a
chat) — by replaying every offer's interval, which lies inside the interval Redis held the room for.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import func, insert, select

from hub.auth.models import User
from hub.auth.service import create_token
from hub.customers.models import Customer
from hub.db import transaction, utcnow
from hub.routing.models import (
    Offer,
    OfferState,
    QueueMember,
    WorkItem,
    WorkState,
    WrapUpCode,
)
from hub.routing.presence import PresenceStatus
from hub.routing.service import default_queue
from hub.routing.strategy import effective_capacity
from hub.timeline.models import Conversation
from tests.conftest import settings_env, with_settings
from tests.support.processes import HubProcess, env_for, free_port, wait_http

pytestmark = [pytest.mark.reliability,
              pytest.mark.timeout(300)]  # about a minute on an idle 2-CPU machine

ITEMS = int(os.environ.get("ENTRAIDE_TEST_ROUTING_ITEMS", "1000"))
ADVISORS = 24
SLEEPY = 2  # never answer: their offers expire, they are set away
KINDS = [("phone", "twilio_voice"), ("chat", "webchat"), ("chat", "webchat"),
         ("email", "email"), ("sms", "twilio_sms")]
CAPACITIES = [None, {"chat": 2, "async": 2}, {"auto_accept": ["async"]}, {"voice": 0}]


@pytest.fixture(params=[0, 1], ids=["no-pending-cap", "max-pending-1"])
def cluster(services, settings, tmp_path: Path, request):
    """MAX_PENDING_OFFERS off (the default) and at 1 (offers trickle, accepts ask for
    passes): the guarantees hold either way."""
    ports = [free_port(), free_port()]
    live = with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{ports[0]}",
                         OFFER_TIMEOUT_SECONDS=8, PRESENCE_GRACE_SECONDS=5,
                         LOG_LEVEL="WARNING", MAX_PENDING_OFFERS=request.param)
    env = env_for(settings_env(live))
    processes = [HubProcess(["serve", "--port", str(p)], env, tmp_path / f"web{i}.log")
                 for i, p in enumerate(ports)]
    processes += [HubProcess(["worker"], env, tmp_path / f"worker{i}.log") for i in range(4)]
    processes.append(HubProcess(["scheduler"], env, tmp_path / "scheduler.log"))
    for process in processes:
        process.start()
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url, process in zip(urls, processes, strict=False):
            wait_http(url + "/api/v1/health", timeout=120, process=process)
        yield urls, processes
    finally:
        for process in processes:  # all at once: each may take its graceful timeout
            if process.process and process.process.poll() is None:
                process.process.send_signal(signal.SIGTERM)
        for process in processes:
            process.stop()


def seed(services) -> tuple[list[tuple[int, str, dict | None]], list[int]]:
    """Advisors (id, token, capacity override) and waiting items, inserted in bulk."""
    with transaction(services.sessions) as session:
        session.add(WrapUpCode(code="resolved", label="Résolu"))
        general = default_queue(session)
        advisors = []
        for n in range(ADVISORS):
            capacity = CAPACITIES[n % len(CAPACITIES)]
            user = User(email=f"agent{n}@example.test", name=f"Agent {n}", password_hash="-",
                        language="fr", capacity=capacity)
            session.add(user)
            session.flush()
            session.add(QueueMember(queue_id=general.id, user_id=user.id))
            advisors.append((user.id, create_token(session, user=user), capacity))
        customers = list(session.scalars(insert(Customer).returning(Customer.id), [
            {"display_name": f"Client {n}", "language": "fr"} for n in range(100)]))
        now = utcnow()
        conversations = list(session.scalars(insert(Conversation).returning(Conversation.id), [
            {"customer_id": customers[n % 100], "channel": KINDS[n % 5][1], "account": "demo",
             "thread_key": f"t{n}", "customer_address": f"c{n}"} for n in range(ITEMS)]))
        items = list(session.scalars(insert(WorkItem).returning(WorkItem.id), [
            {"conversation_id": c, "queue_id": general.id, "customer_id": customers[n % 100],
             "channel_kind": KINDS[n % 5][0], "rank_at": now, "created_at": now,
             "updated_at": now} for n, c in enumerate(conversations)]))
    return advisors, items


class Agent:
    """One advisor's socket: accepts (or declines 10%, or, if sleepy, ignores) each offer
    and closes accepted work a moment later through the REST API of either web process.
    Like a person at the inbox, an active advisor set *away* for missed offers (a slow
    machine) comes back, and closes what ``/work-items/mine`` shows (an acknowledgement
    lost to a timeout)."""

    def __init__(self, user_id: int, token: str, url: str, urls: list[str], sleepy: bool,
                 seed: int) -> None:
        self.user_id, self.token, self.urls, self.sleepy = user_id, token, urls, sleepy
        self.random = random.Random(seed)
        self.inbox: queue.Queue = queue.Queue()
        self.errors: list[str] = []
        self.closed: set[int] = set()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self.inbox.put, namespace="/agent")
        self.sio.connect(url, namespaces=["/agent"], auth={"token": token},
                         transports=["websocket"], wait_timeout=30)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        last_look = time.monotonic()
        while True:
            try:
                message = self.inbox.get(timeout=1)
            except queue.Empty:
                message = {"event": "idle"}
            if message is None:
                return
            if self.sleepy:
                continue
            try:
                self.handle(message)
                if time.monotonic() - last_look > 3:
                    last_look = time.monotonic()
                    self.close_what_is_mine()
            except Exception as error:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(error))

    def handle(self, message: dict) -> None:
        data = message.get("data", {})
        if message["event"] == "offer.created":
            self.answer(data)
        elif message["event"] == "presence.changed" and data["status"] == "away":
            self.sio.call("presence", {"status": "available"}, namespace="/agent", timeout=60)

    def answer(self, offer: dict) -> None:
        item_id = offer["work_item"]["id"]
        if not offer["auto_accepted"]:
            verb = "decline" if self.random.random() < 0.1 else "accept"
            try:
                reply = self.sio.call(verb, {"offer_id": offer["offer_id"]},
                                      namespace="/agent", timeout=60)
            except socketio.exceptions.TimeoutError:
                return  # close_what_is_mine finds it if the accept went through
            if verb == "decline" or not reply["ok"]:
                return
        time.sleep(self.random.random() * 0.03)
        self.close(item_id)

    def close(self, item_id: int) -> None:
        if item_id in self.closed:  # /mine showed it before its offer was read
            return
        url = self.random.choice(self.urls)
        try:
            closed = self.http.post(f"{url}/api/v1/work-items/{item_id}/close",
                                    json={"wrap_up_code": "resolved"}, timeout=60)
        except requests.ConnectionError:  # a kept-alive connection the server had closed
            closed = self.http.post(f"{url}/api/v1/work-items/{item_id}/close",
                                    json={"wrap_up_code": "resolved"}, timeout=60)
            if closed.status_code == 404:  # the first attempt did close it
                closed.status_code = 200
        if closed.status_code != 200:
            self.errors.append(f"close {item_id}: {closed.status_code} {closed.text[:200]}")
        self.closed.add(item_id)

    def close_what_is_mine(self) -> None:
        try:
            mine = self.http.get(f"{self.urls[0]}/api/v1/work-items/mine", timeout=60).json()
        except requests.ConnectionError:
            return  # next time
        for item in mine["work_items"]:
            self.close(item["id"])

    def stop(self) -> None:
        self.inbox.put(None)
        self.sio.disconnect()


def open_items(services) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(WorkItem)
                              .where(WorkItem.state != WorkState.CLOSED))


def test_no_double_assignment_and_no_advisor_over_capacity(cluster, services):
    urls, processes = cluster
    advisors, items = seed(services)
    agents = [Agent(uid, token, urls[n % 2], urls, sleepy=n < SLEEPY, seed=n)
              for n, (uid, token, _capacity) in enumerate(advisors)]
    for item_id in items:  # twice each, back to back: two workers race for every item
        for _ in range(2):
            services.queue.enqueue_call("workers.routing.route_item", args=(item_id,),
                                        result_ttl=0)
    started = time.monotonic()
    deadline = started + 200
    while open_items(services) and time.monotonic() < deadline:
        time.sleep(0.5)
    print(f"{len(items)} items routed, accepted and closed in {time.monotonic() - started:.0f} s")
    for agent in agents:
        agent.stop()
    logs = "\n".join(p.log()[-2000:] for p in processes)
    assert open_items(services) == 0, logs
    assert [e for a in agents for e in a.errors] == []

    with services.sessions() as session:
        offers = session.execute(
            select(Offer, WorkItem.channel_kind, WorkItem.closed_at, WorkItem.assigned_user_id)
            .join(WorkItem, WorkItem.id == Offer.work_item_id).order_by(Offer.id)).all()
    assert_each_item_assigned_once(offers, len(items))
    capacities = {uid: effective_capacity(None, capacity) for uid, _t, capacity in advisors}
    assert_never_over_capacity(offers, capacities)
    assert services.routing.state.reservations() == []  # every room given back
    for uid, _token, _capacity in advisors[:SLEEPY]:
        assert services.presence.status(uid) == PresenceStatus.AWAY


def assert_each_item_assigned_once(offers, count: int) -> None:
    by_item = defaultdict(list)
    for offer, _kind, _closed, assigned in offers:
        by_item[offer.work_item_id].append((offer, assigned))
    assert len(by_item) == count
    for item_id, rows in by_item.items():
        accepted = [o for o, _ in rows if o.state == OfferState.ACCEPTED]
        assert len(accepted) == 1, f"item {item_id} accepted {len(accepted)} times"
        assert accepted[0].user_id == rows[0][1]
        for (before, _), (after, _) in zip(rows, rows[1:], strict=False):
            assert before.answered_at <= after.created_at, f"item {item_id}: two live offers"
        refused = {o.user_id for o, _ in rows if o.state in (OfferState.DECLINED,
                                                               OfferState.EXPIRED)}
        assert accepted[0].user_id not in refused


def assert_never_over_capacity(offers, capacities) -> None:
    """Replay every (advisor, item) hold: from the offer until its answer, or until the
    item was closed when accepted. Ends sort before starts at the same instant."""
    events = defaultdict(list)
    for offer, kind, closed_at, _assigned in offers:
        end = closed_at if offer.state == OfferState.ACCEPTED else offer.answered_at
        cls = {"phone": "voice", "chat": "chat"}.get(kind, "async")
        events[offer.user_id] += [(offer.created_at, 1, cls), (end, -1, cls)]
    assert events
    for user_id, timeline in events.items():
        cap = capacities[user_id]
        held = {"voice": 0, "chat": 0, "async": 0}
        peak = dict(held)
        for _at, step, cls in sorted(timeline, key=lambda e: (e[0], e[1])):
            held[cls] += step
            peak[cls] = max(peak[cls], held[cls])
            assert held["voice"] <= cap.voice and held["chat"] <= cap.chat \
                and held["async"] <= cap.async_, f"advisor {user_id} over capacity: {held}"
            assert not (held["voice"] and held["chat"]), f"advisor {user_id}: call + chat"
        assert held == {"voice": 0, "chat": 0, "async": 0}
