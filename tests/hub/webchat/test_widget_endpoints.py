"""The widget's side of the hub, through the real routes: visitor sessions, messages through
the one inbound path (stored first, even with Redis down), replies pushed to the visitor's
room and kept in their history, identity tokens, strings in both languages, CORS."""

from __future__ import annotations

import json
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from hub.bootstrap import socketio_channel
from hub.customers.identity_token import sign_identity_token
from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.domain.ports import VISITOR_SESSION_HEADER as HEADER
from hub.intake.models import InboundEvent
from hub.replies.service import send_reply
from hub.timeline.models import Conversation, Interaction
from tests.conftest import run_jobs, with_settings
from tests.personas import advisor

BRAND_SECRET = "brand-secret-0123456789abcdef-0123456789"
HOOK = "/hooks/webchat/site"


@pytest.fixture
def settings(settings):
    return with_settings(settings, CHAT_IDENTITY_SECRETS=f"demo={BRAND_SECRET}",
                         WEBCHAT_ORIGINS="https://shop.example")


def new_session(client, **body) -> dict:
    response = client.post("/chat/site/session", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def say(client, session: str, text: str, message_id: str = "m1"):
    return client.post(HOOK, json={"id": message_id, "body": text}, headers={HEADER: session})


def history(client, session: str) -> list[dict]:
    response = client.get("/chat/site/history", headers={HEADER: session})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["messages"]


def reason(response) -> str:
    return json.dumps(response.get_json()["errors"])


def test_a_visitor_chats_and_reads_the_advisors_reply_in_their_history(client, services,
                                                                          db_session):
    visitor = new_session(client)
    assert visitor["signed_in"] is False
    assert say(client, visitor["session"], "Bonjour, ma box clignote").status_code == 202
    assert services.queue.count == 1
    run_jobs(services)
    conversation = db_session.scalar(select(Conversation))
    assert (conversation.channel, conversation.account) == ("webchat", "site")
    assert conversation.thread_key == f"visitor:{visitor['visitor_id']}"

    pubsub = services.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(socketio_channel(services.redis_url))
    with transaction(services.sessions) as session:
        camille = advisor(session)
        conversation = session.get(Conversation, conversation.id)
        send_reply(session, conversation=conversation, user=camille.user,
                   body="Je regarde votre box", capabilities=services.channels.adapter(
                       "webchat").capabilities)
    run_jobs(services)
    pushed = next_push(pubsub)
    assert pushed["namespace"] == "/visitor"
    assert pushed["room"] == f"webchat:site:{visitor['visitor_id']}"
    assert pushed["event"] == "message"
    assert pushed["data"][0]["body"] == "Je regarde votre box"

    messages = history(client, visitor["session"])
    assert [(m["direction"], m["body"]) for m in messages] == [
        ("inbound", "Bonjour, ma box clignote"), ("outbound", "Je regarde votre box")]
    assert messages[0]["key"] == f"{visitor['visitor_id']}:m1"
    assert messages[1]["key"] == pushed["data"][0]["key"]  # the widget de-duplicates by key
    reply = db_session.scalar(select(Interaction).where(Interaction.direction == "outbound"))
    assert reply.status == "sent"


def next_push(pubsub, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            if data.get("namespace") == "/visitor":
                return data
    raise AssertionError("nothing was pushed to /visitor")


def test_a_renewed_session_keeps_the_visitor_and_the_history_is_theirs_only(client, services):
    lea = new_session(client)
    again = new_session(client, session=lea["session"])
    assert again["visitor_id"] == lea["visitor_id"]
    other = new_session(client)
    assert other["visitor_id"] != lea["visitor_id"]
    say(client, lea["session"], "Message de Léa")
    say(client, other["session"], "Message de quelqu'un d'autre")
    run_jobs(services)
    assert [m["body"] for m in history(client, again["session"])] == ["Message de Léa"]
    assert [m["body"] for m in history(client, other["session"])] == [
        "Message de quelqu'un d'autre"]


def test_the_same_message_posted_twice_is_one_message(client, services, db_session):
    visitor = new_session(client)
    for _ in range(3):
        assert say(client, visitor["session"], "Bonjour", "same").status_code == 202
    run_jobs(services)
    assert db_session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_a_message_is_stored_even_when_redis_is_down(client, services, db_session,
                                                     monkeypatch):
    visitor = new_session(client)

    def down(*args, **kwargs):
        raise RedisConnectionError("redis is down")

    monkeypatch.setattr(services.queue, "enqueue_call", down)
    assert say(client, visitor["session"], "Vous êtes là ?").status_code == 202
    event = db_session.scalar(select(InboundEvent))
    assert (event.channel, event.account, event.state) == ("webchat", "site", "pending")
    assert json.loads(event.body)["body"] == "Vous êtes là ?"


@pytest.mark.parametrize(("headers", "expected"), [
    ({}, "missing visitor session"),
    ({HEADER: "forged.session.value"}, "not signed by this hub"),
])
def test_a_missing_or_forged_session_is_refused_with_a_reason(client, db_session, headers,
                                                              expected):
    response = client.post(HOOK, json={"id": "m1", "body": "x"}, headers=headers)
    assert response.status_code == 403
    assert expected in reason(response)
    response = client.get("/chat/site/history", headers=headers)
    assert response.status_code == 403
    assert expected in reason(response)
    assert db_session.scalar(select(func.count()).select_from(InboundEvent)) == 0


def test_a_forged_session_cannot_be_renewed(client):
    response = client.post("/chat/site/session", json={"session": "forged.session.value"})
    assert response.status_code == 403
    assert "not signed by this hub" in reason(response)


@pytest.mark.parametrize(("body", "field"), [
    ({"session": 12}, "session"), ({"brand": "x" * 41}, "brand"), ({"extra": 1}, "extra"),
])
def test_bad_session_requests_are_400_with_the_field(client, body, field):
    response = client.post("/chat/site/session", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"body": "x"}, "id must be"), ({"id": "m1", "body": "  "}, "non-empty"),
    ({"id": "m1", "body": "x" * 4001}, "at most 4000"),
])
def test_bad_messages_are_400_with_a_reason_and_not_stored(client, db_session, body,
                                                             expected):
    visitor = new_session(client)
    response = client.post(HOOK, json=body, headers={HEADER: visitor["session"]})
    assert response.status_code == 400
    assert expected in reason(response)
    assert db_session.scalar(select(func.count()).select_from(InboundEvent)) == 0


def test_an_unknown_account_is_404(client):
    assert client.post("/chat/nope/session", json={}).status_code == 404
    assert client.get("/chat/nope/strings").status_code == 404


def test_a_signed_in_visitor_is_the_brands_customer(client, services, db_session):
    token = sign_identity_token({"sub": "client-1001", "email": "lea.dubois@example.fr",
                                 "name": "Léa Dubois", "exp": int(time.time()) + 300},
                                BRAND_SECRET)
    first = new_session(client, brand="demo", identity_token=token)
    # every page load of the brand's site signs in again, with the stored session
    visitor = new_session(client, brand="demo", identity_token=token, session=first["session"])
    assert visitor["signed_in"] is True
    assert visitor["visitor_id"] == first["visitor_id"]
    say(client, visitor["session"], "Bonjour, c'est Léa")
    run_jobs(services)
    conversation = db_session.scalar(select(Conversation))
    customer = db_session.get(Customer, conversation.customer_id)
    assert customer.display_name == "Léa Dubois"
    addresses = set(db_session.scalars(select(Identity.address).where(
        Identity.customer_id == customer.id)))
    assert {"demo:client-1001", "lea.dubois@example.fr",
            f"visitor:{visitor['visitor_id']}"} <= addresses


def test_a_bad_identity_token_is_refused_with_its_status(client):
    token = sign_identity_token({"sub": "client-1001", "exp": int(time.time()) + 300},
                                "another-secret")
    response = client.post("/chat/site/session", json={"brand": "demo", "identity_token": token})
    assert response.status_code == 401
    assert "bad signature" in reason(response)


@pytest.mark.parametrize(("lang", "accept", "expected"), [
    ("fr-FR", "en", "Écrivez votre message…"), ("", "en-GB,en;q=0.9", "Write your message…"),
    ("de", "de, en;q=0.5", "Write your message…"),
])
def test_the_widget_speaks_the_pages_language_else_the_browsers(client, lang, accept,
                                                                expected):
    response = client.get(f"/chat/site/strings?lang={lang}",
                          headers={"Accept-Language": accept})
    assert response.get_json()["strings"]["placeholder"] == expected


def test_the_demo_page_embeds_the_widget_without_inline_script(client):
    response = client.get("/chat/demo?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script src="/chat/static/widget.js" data-account="site" defer></script>' in page
    assert "<script>" not in page
    assert '<html lang="en">' in page
    assert client.get("/chat/static/widget.js").status_code == 200


def test_only_the_configured_brand_sites_may_call_from_the_browser(client):
    allowed = client.get("/chat/site/strings", headers={"Origin": "https://shop.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    preflight = client.options(HOOK, headers={"Origin": "https://shop.example",
                                              "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert HEADER in preflight.headers["Access-Control-Allow-Headers"]
    other = client.get("/chat/site/strings", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
