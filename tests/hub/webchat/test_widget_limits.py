"""The widget's doors are rate limited: messages per visitor, sessions per address."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.intake.models import InboundEvent
from tests.conftest import with_settings
from tests.hub.webchat.test_widget_endpoints import new_session, reason, say


@pytest.fixture
def settings(settings):
    return with_settings(settings, WEBCHAT_MESSAGE_LIMIT=3, WEBCHAT_SESSION_LIMIT=4)


def test_a_visitor_sending_too_fast_gets_429_and_nothing_more_is_stored(client, db_session):
    visitor, other = new_session(client), new_session(client)
    for number in range(3):
        assert say(client, visitor["session"], "Allô ?", f"m{number}").status_code == 202
    response = say(client, visitor["session"], "Allô ??", "m9")
    assert response.status_code == 429
    assert "too many messages" in reason(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert say(client, other["session"], "Bonjour", "o1").status_code == 202  # per visitor
    assert db_session.scalar(select(func.count()).select_from(InboundEvent)) == 4


def test_too_many_sessions_from_one_address_get_429(client):
    for _ in range(4):
        new_session(client)
    response = client.post("/chat/site/session", json={})
    assert response.status_code == 429
    assert "too many chat sessions" in reason(response)
    assert int(response.headers["Retry-After"]) > 0
    other = client.post("/chat/site/session", json={},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
