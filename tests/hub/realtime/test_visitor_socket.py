"""The ``/visitor`` namespace through a real web process: a visitor's socket gets the
advisor's reply (pushed by a worker — here the test process — through Redis) and the
advisor's typing; the advisor sees the visitor type; another visitor hears nothing; a bad
session is refused with its reason."""

from __future__ import annotations

import queue

import pytest
import requests
import socketio
from sqlalchemy import select

from hub.db import transaction
from hub.domain.ports import VISITOR_SESSION_HEADER as HEADER
from hub.replies.service import send_reply
from hub.routing.service import accept_offer
from hub.timeline.models import Conversation
from tests.conftest import run_jobs
from tests.hub.realtime.test_viewers_and_supervisors import Socket
from tests.hub.routing.builders import agent, pending_offers


class Visitor:
    def __init__(self, url: str, session: str, account: str = "site") -> None:
        self.received: queue.Queue = queue.Queue()
        self.refusals: list[object] = []
        self.client = socketio.Client(reconnection=False)
        for name in ("message", "typing"):
            self.client.on(name, lambda data=None, name=name: self.received.put((name, data)),
                           namespace="/visitor")
        self.client.on("connect_error", self.refusals.append, namespace="/visitor")
        self.client.connect(url, namespaces=["/visitor"], transports=["websocket"],
                            auth={"account": account, "session": session}, wait_timeout=10)

    def next(self, name: str, timeout: float = 10) -> dict:
        while True:
            got, data = self.received.get(timeout=timeout)
            if got == name:
                return data


def new_visitor(url: str) -> dict:
    return requests.post(f"{url}/chat/site/session", json={}, timeout=10).json()


def test_replies_and_typing_reach_the_visitor_and_only_them(live, services):
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
    lea = new_visitor(live)
    said = requests.post(f"{live}/hooks/webchat/site", json={"id": "m1", "body": "Bonjour"},
                         headers={HEADER: lea["session"]}, timeout=10)
    assert said.status_code == 202
    run_jobs(services)
    with transaction(services.sessions) as session:
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=services.routing, offer_id=offer.id, user=camille.user)
        conversation_id = session.scalar(select(Conversation.id))

    visitor = Visitor(live, lea["session"])
    stranger = Visitor(live, new_visitor(live)["session"])
    inbox = Socket(live, camille.token)
    assert inbox.call("viewing", {"conversation_id": conversation_id})["ok"]

    assert inbox.call("typing", {"conversation_id": conversation_id}) == {"ok": True}
    assert visitor.next("typing") == {}

    assert visitor.client.call("typing", {}, namespace="/visitor", timeout=10) == {"ok": True}
    typing = inbox.next("conversation.typing")["data"]
    assert typing == {"conversation_id": conversation_id, "user_id": None, "customer": True,
                      "name": ""}

    with transaction(services.sessions) as session:
        conversation = session.get(Conversation, conversation_id)
        send_reply(session, conversation=conversation, user=camille.user, body="Je regarde",
                   capabilities=services.channels.adapter("webchat").capabilities)
    run_jobs(services)  # the worker's push goes through Redis to the web process
    message = visitor.next("message")
    assert (message["direction"], message["body"]) == ("outbound", "Je regarde")
    with pytest.raises(queue.Empty):
        stranger.next("message", timeout=1)
    for client in (visitor.client, stranger.client, inbox.client):
        client.disconnect()


@pytest.mark.parametrize(("auth", "reason"), [
    ({"account": "site", "session": "forged"}, "not signed by this hub"),
    ({"account": "nope", "session": "x"}, "no 'webchat' account named 'nope'"),
    ({"session": "x"}, "auth must be {account, session}"),
])
def test_a_bad_visitor_session_is_refused_with_the_reason(live, auth, reason):
    refusals: list[object] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.append, namespace="/visitor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live, namespaces=["/visitor"], transports=["websocket"], auth=auth,
                       wait_timeout=10)
    client.disconnect()
    assert reason in str(refusals)
