"""The /agent namespace: who may connect, what they may say."""

from __future__ import annotations

import time

import socketio

from hub.db import transaction
from hub.routing.presence import PresenceStatus
from tests.personas import advisor


class AgentSocket:
    def __init__(self, url: str, auth: dict | None = None) -> None:
        self.client = socketio.Client(reconnection=False)
        try:
            self.client.connect(url, namespaces=["/agent"], auth=auth,
                                transports=["websocket"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            pass

    def is_connected(self) -> bool:
        return self.client.connected and "/agent" in self.client.namespaces

    def call(self, event: str, data) -> dict:
        return self.client.call(event, data, namespace="/agent", timeout=5)

    def disconnect(self) -> None:
        self.client.disconnect()


def socket_client(url, **kwargs) -> AgentSocket:
    return AgentSocket(url, **kwargs)


def eventually(check, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_connect_without_credentials_is_refused(live):
    client = socket_client(live)
    assert not client.is_connected()


def test_connect_with_a_wrong_token_is_refused(live):
    client = socket_client(live, auth={"token": "ent_forged"})
    assert not client.is_connected()


def test_a_disabled_advisor_is_refused(live, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
        camille.user.active = False
    client = socket_client(live, auth={"token": camille.token})
    assert not client.is_connected()


def test_connecting_makes_the_advisor_available_and_disconnecting_offline(live, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
    client = socket_client(live, auth={"token": camille.token})
    assert client.is_connected()
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE
    client.disconnect()
    assert eventually(lambda: services.presence.status(camille.user.id)
                      == PresenceStatus.OFFLINE)


def test_foreign_or_malformed_offer_ids_are_refused_with_a_reason(live, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
    client = socket_client(live, auth={"token": camille.token})
    for payload in ({"offer_id": "1"}, None, "junk", {"offer_id": 10**9}):
        answer = client.call("accept", payload)
        assert answer["ok"] is False and answer["reason"]
    client.client.emit("no_such_event", {"x": 1}, namespace="/agent")
    time.sleep(0.2)
    assert client.is_connected()


def test_presence_accepts_only_known_statuses(live, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
    client = socket_client(live, auth={"token": camille.token})
    bad = client.call("presence", {"status": "busy"})
    assert bad["ok"] is False
    good = client.call("presence", {"status": "away"})
    assert good == {"ok": True, "status": "away"}
    assert services.presence.status(camille.user.id) == PresenceStatus.AWAY
