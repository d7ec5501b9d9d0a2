"""The REST API: auth, errors as JSON, catch-up filtered by room, replies, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

from hub.db import transaction
from hub.events import publish, user_room
from hub.routing.presence import PresenceStatus
from tests.conftest import run_jobs
from tests.hub.api.test_hooks import HOOK, signed, sms
from tests.personas import advisor, demo_customers


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def offered_conversation(client, services):
    """Léa texts; Camille (available) gets the offer and accepts it."""
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session)
        alex = advisor(session, email="alex@example.test", name="Alex", language="en")
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    params = sms()
    assert client.post(HOOK, data=params, headers=signed(params)).status_code == 200
    run_jobs(services)
    events = client.get("/api/v1/events?after=0", headers=bearer(camille)).get_json()["events"]
    offer = next(e for e in events if e["event"] == "offer.created")["data"]
    accepted = client.post(f"/api/v1/offers/{offer['offer_id']}/accept", headers=bearer(camille))
    assert accepted.status_code == 200, accepted.get_json()
    return camille, alex, accepted.get_json()["conversation_id"]


def test_api_needs_authentication_and_says_so_in_json(client):
    response = client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.get_json()["errors"]["_"] == ["authentication required"]
    assert client.get("/api/v1/events", headers={"Authorization": "Bearer nope"}).status_code \
        == 401


def test_catch_up_returns_only_the_advisors_own_rooms(client, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
        alex = advisor(session, email="alex@example.test", name="Alex")
        publish(session, room=user_room(camille.user.id), name="offer.created", payload={"n": 1})
        publish(session, room=user_room(alex.user.id), name="offer.created", payload={"n": 2})
    mine = client.get("/api/v1/events?after=0", headers=bearer(camille)).get_json()
    assert [e["data"] for e in mine["events"]] == [{"n": 1}]
    later = client.get(f"/api/v1/events?after={mine['last_id']}", headers=bearer(camille))
    assert later.get_json()["events"] == []


def test_bad_query_parameters_are_422_naming_the_field(client, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
    response = client.get("/api/v1/events?after=-5", headers=bearer(camille))
    assert response.status_code == 422
    assert "after" in response.get_json()["errors"]["query"]


def test_reply_is_stored_and_delivered_once(client, services, twilio):
    camille, _alex, conversation_id = offered_conversation(client, services)
    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           json={"body": "Bonjour Léa"}, headers=bearer(camille))
    assert response.status_code == 201
    assert response.get_json()["status"] == "queued"
    run_jobs(services)
    assert [m.body for m in twilio.messages] == ["Bonjour Léa"]


def test_reply_validation_and_mass_assignment(client, services):
    camille, _alex, conversation_id = offered_conversation(client, services)
    url = f"/api/v1/conversations/{conversation_id}/replies"
    extra = client.post(url, json={"body": "x", "author_user_id": 99, "status": "delivered"},
                        headers=bearer(camille))
    assert extra.status_code == 422
    assert set(extra.get_json()["errors"]["json"]) == {"author_user_id", "status"}
    empty = client.post(url, json={"body": ""}, headers=bearer(camille))
    assert empty.status_code == 422
    too_long = client.post(url, json={"body": "x" * 1601}, headers=bearer(camille))
    assert too_long.status_code == 422
    assert "1600" in too_long.get_json()["errors"]["body"][0]
    broken = client.post(url, data="{not json", content_type="application/json",
                         headers=bearer(camille))
    assert broken.status_code == 400
    assert "errors" in broken.get_json()


def test_another_advisor_cannot_read_or_answer_the_conversation(client, services, twilio):
    _camille, alex, conversation_id = offered_conversation(client, services)
    assert client.get(f"/api/v1/conversations/{conversation_id}",
                      headers=bearer(alex)).status_code == 404
    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           json={"body": "hijack"}, headers=bearer(alex))
    assert response.status_code == 404
    run_jobs(services)
    assert twilio.messages == []


def test_an_offer_cannot_be_accepted_twice_or_by_someone_else(client, services):
    camille, alex, _conversation_id = offered_conversation(client, services)
    events = client.get("/api/v1/events?after=0", headers=bearer(camille)).get_json()["events"]
    offer_id = next(e for e in events if e["event"] == "offer.created")["data"]["offer_id"]
    again = client.post(f"/api/v1/offers/{offer_id}/accept", headers=bearer(camille))
    assert again.status_code == 409
    assert "no longer pending" in again.get_json()["errors"]["offer_id"][0]
    assert client.post(f"/api/v1/offers/{offer_id}/accept", headers=bearer(alex)).status_code \
        == 409


def test_session_cookie_writes_need_the_csrf_token(client, services):
    from tests.personas import PASSWORD

    with transaction(services.sessions) as session:
        advisor(session)
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post("/login", data={"email": "camille@example.test", "password": PASSWORD,
                                        "csrf_token": token})
    assert login.status_code == 302
    forged = client.post("/api/v1/offers/1/accept")
    assert forged.status_code == 400
    assert "csrf" in forged.get_json()["errors"]


def test_login_without_csrf_token_is_refused(client, services):
    from tests.personas import PASSWORD

    with transaction(services.sessions) as session:
        advisor(session)
    response = client.post("/login", data={"email": "camille@example.test",
                                           "password": PASSWORD})
    assert response.status_code == 400


def test_openapi_is_served_and_the_committed_copy_is_current(client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/conversations/{conversation_id}/replies" in served["paths"]
    committed = json.loads((Path(__file__).parents[3] / "docs" / "openapi.json").read_text())
    assert committed["paths"] == served["paths"], "run: entraide openapi > docs/openapi.json"


def test_health_reports_dependencies(client):
    assert client.get("/api/v1/health").get_json() == {"database": "ok", "redis": "ok"}


def test_html_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bearer_token_use_is_recorded_at_most_once_a_minute(client, services):
    from datetime import timedelta

    from sqlalchemy import select

    from hub.auth.models import ApiToken

    with transaction(services.sessions) as session:
        camille = advisor(session)

    def last_used():
        with transaction(services.sessions) as session:
            mine = ApiToken.user_id == camille.user.id
            return session.scalar(select(ApiToken.last_used_at).where(mine))

    assert client.get("/api/v1/events?after=0", headers=bearer(camille)).status_code == 200
    first = last_used()
    assert first is not None
    assert client.get("/api/v1/events?after=0", headers=bearer(camille)).status_code == 200
    assert last_used() == first  # a second read within the minute writes nothing
    with transaction(services.sessions) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.user_id == camille.user.id))
        row.last_used_at = first - timedelta(minutes=2)
    assert client.get("/api/v1/events?after=0", headers=bearer(camille)).status_code == 200
    assert last_used() > first
