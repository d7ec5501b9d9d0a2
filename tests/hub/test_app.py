"""The hooks-only web process (``entraide serve --hooks-only``): every provider hook and
the chat widget's messages, with their checks, and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.app import create_hooks_app
from hub.domain.ports import VISITOR_SESSION_HEADER as HEADER
from hub.intake.models import InboundEvent
from tests.conftest import with_settings
from tests.hub.api.test_hooks import HOOK, signed, sms


@pytest.fixture
def settings(settings):
    return with_settings(settings, WEBCHAT_ORIGINS="https://shop.example",
                         WEBCHAT_MESSAGE_LIMIT=2)


@pytest.fixture
def hooks_client(settings, services):
    app = create_hooks_app(settings, services)
    app.config["TESTING"] = True
    return app.test_client()


def stored(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(InboundEvent))


def test_a_signed_webhook_is_stored_acknowledged_and_queued(hooks_client, services,
                                                            db_session):
    params = sms()
    response = hooks_client.post(HOOK, data=params, headers=signed(params))
    assert response.status_code == 200
    assert b"<Response" in response.data
    assert stored(db_session) == 1
    assert services.queue.count == 1
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_forged_or_malformed_webhook_is_refused_with_a_reason(hooks_client, db_session):
    params = sms()
    forged = hooks_client.post(HOOK, data={**params, "Body": "changed"}, headers=signed(params))
    assert forged.status_code == 403
    assert forged.get_json()["errors"]
    unknown = hooks_client.post("/hooks/nope/demo", data=params)
    assert unknown.status_code == 404
    assert "nope" in str(unknown.get_json()["errors"])
    assert stored(db_session) == 0


def test_it_answers_the_health_check_and_serves_nothing_else(hooks_client):
    assert hooks_client.get("/api/v1/health").get_json() == {"database": "ok", "redis": "ok"}
    for path in ("/api/v1/conversations/1/replies", "/api/v1/openapi.json", "/forum",
                 "/login", "/inbox", "/chat/site/strings",
                 "/socket.io/?EIO=4&transport=polling"):
        assert hooks_client.get(path).status_code == 404, path


def test_the_chat_widget_posts_its_messages_here_with_cors_and_limits(client, hooks_client,
                                                                     db_session):
    session = client.post("/chat/site/session", json={}).get_json()["session"]
    preflight = hooks_client.options("/hooks/webchat/site", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    answers = [hooks_client.post("/hooks/webchat/site", json={"id": f"m{n}", "body": "Allô ?"},
                                 headers={HEADER: session}).status_code for n in range(3)]
    assert answers == [202, 202, 429]
    assert stored(db_session) == 2
