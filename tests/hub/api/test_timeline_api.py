"""``GET /api/v1/customers/<id>/timeline``: pages, filters, search, access and bad input."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from hub.auth.models import Role
from hub.db import transaction
from hub.routing.models import WorkItem, WorkState
from hub.routing.service import default_queue
from tests.hub.timeline.builders import T0, conversation, customer, interaction
from tests.personas import advisor


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


@pytest.fixture
def cast(services):
    """Léa (SMS and console threads, 12 interactions) handled by Camille; Karim by nobody;
    Sophie supervises."""
    with transaction(services.sessions) as session:
        lea = customer(session)
        sms = conversation(session, lea, "twilio_sms")
        console = conversation(session, lea, "console")
        for n in range(12):
            interaction(session, sms if n % 3 else console, f"message {n}", minutes=n // 2,
                        direction="outbound" if n % 4 == 0 else "inbound")
        interaction(session, sms, "Je veux la Résiliation de ma ligne", minutes=20)
        karim = customer(session, "Karim")
        karim_sms = conversation(session, karim)
        interaction(session, karim_sms, "résiliation", minutes=20)
        interaction(session, karim_sms, "Bonjour", minutes=1)
        camille = advisor(session)
        alex = advisor(session, email="alex@example.test", name="Alex", language="en")
        sophie = advisor(session, email="sophie@example.test", name="Sophie",
                         role=Role.SUPERVISOR, queue=False)
        session.add(WorkItem(conversation_id=sms.id, queue_id=default_queue(session).id,
                             state=WorkState.ASSIGNED, assigned_user_id=camille.user.id))
    return {"lea": lea.id, "karim": karim.id, "sms": sms.id, "console": console.id,
            "camille": camille, "alex": alex, "sophie": sophie}


def get(client, persona, customer_id, /, **query):
    url = f"/api/v1/customers/{customer_id}/timeline"
    if query:
        url += "?" + urlencode(query, doseq=True)
    return client.get(url, headers=bearer(persona))


def walk(client, persona, customer_id, /, **query):
    pages, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        response = get(client, persona, customer_id, **query, **extra)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_the_advisor_handling_the_customer_walks_the_whole_timeline_once(client, cast):
    pages = walk(client, cast["camille"], cast["lea"], limit=5)
    items = [item for page in pages for item in page]
    assert [len(page) for page in pages] == [5, 5, 3]
    keys = [(item["occurred_at"], item["id"]) for item in items]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 13
    assert items[0]["body"] == "Je veux la Résiliation de ma ligne"
    assert {item["channel"] for item in items} == {"twilio_sms", "console"}
    assert set(items[0]) >= {"id", "conversation_id", "channel", "direction", "body",
                             "status", "occurred_at", "attachments"}


def test_default_limit_is_25_and_the_supervisor_sees_everyone(client, cast):
    body = get(client, cast["sophie"], cast["karim"]).get_json()
    assert [item["body"] for item in body["items"]] == ["résiliation", "Bonjour"]
    assert body["next_cursor"] is None
    assert len(get(client, cast["sophie"], cast["lea"]).get_json()["items"]) == 13


def test_filters_over_http(client, cast):
    def bodies(**query):
        return [i["body"] for page in walk(client, cast["camille"], cast["lea"], limit=2,
                                           **query) for i in page]

    assert len(bodies(channel="console")) == 4
    assert len(bodies(channel=["console", "twilio_sms"])) == 13
    assert len(bodies(channel="console,twilio_sms")) == 13
    assert all(i["direction"] == "outbound" for page in walk(
        client, cast["camille"], cast["lea"], direction="outbound") for i in page)
    assert len(bodies(direction="outbound")) == 3
    assert len(bodies(conversation_id=cast["console"])) == 4
    assert bodies(since=(T0 + timedelta(minutes=5)).isoformat(),
                  until=(T0 + timedelta(minutes=20)).isoformat()) == [
        "Je veux la Résiliation de ma ligne", "message 11", "message 10"]
    assert bodies(since="2026-03-02T10:20:00+01:00") == ["Je veux la Résiliation de ma ligne"]
    assert bodies(since="2026-03-02T09:20:00") == ["Je veux la Résiliation de ma ligne"]  # UTC


@pytest.mark.parametrize("words", ["resiliation", "Résiliation", "RÉSILIATION",
                                   "résilier"])  # French stems: the verb finds the noun
def test_search_ignores_accents_and_case(client, cast, words):
    body = get(client, cast["camille"], cast["lea"], q=words).get_json()
    assert [i["body"] for i in body["items"]] == ["Je veux la Résiliation de ma ligne"]
    assert get(client, cast["camille"], cast["lea"], q="modem").get_json()["items"] == []


def test_an_advisor_not_handling_the_customer_gets_404(client, cast):
    for customer_id in (cast["lea"], cast["karim"], 999_999, 2**70):
        response = get(client, cast["alex"], customer_id)
        assert response.status_code == 404
        assert response.get_json()["errors"]["_"] == ["no such customer"]
    assert get(client, cast["camille"], cast["karim"]).status_code == 404
    assert get(client, cast["sophie"], 2**70).status_code == 404


def test_authentication_is_required(client, cast):
    assert client.get(f"/api/v1/customers/{cast['lea']}/timeline").status_code == 401


def first_cursor(client, cast, customer="lea"):
    return get(client, cast["sophie"], cast[customer], limit=1).get_json()["next_cursor"]


def tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[15] ^= 1  # one bit of the interaction id
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


BAD_INPUT = [  # (query, the field the 422 must name)
    ({"cursor": "garbage!"}, "cursor"),
    ({"cursor": "AAAA"}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"x" * 26).decode()}, "cursor"),
    ({"cursor": ""}, "cursor"),
    ({"cursor": "é"}, "cursor"),
    ({"channel": "fax"}, "channel"),
    ({"channel": "twilio_sms,"}, "channel"),
    ({"channel": "Twilio SMS"}, "channel"),
    ({"direction": "sideways"}, "direction"),
    ({"conversation_id": "abc"}, "conversation_id"),
    ({"conversation_id": "0"}, "conversation_id"),
    ({"conversation_id": str(2**40)}, "conversation_id"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-01T00:00:00"}, "until"),
    ({"since": "2026-03-02T10:00:00Z", "until": "2026-03-02T09:00:00Z"}, "until"),
    ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"q": "x" * 201}, "q"),
    ({"q": "box\x00"}, "q"),
    ({"sort": "oldest"}, "sort"),
    ({"customer_id": "2"}, "customer_id"),
]


def test_bad_input_is_422_naming_the_field(client, cast):
    wrong = []
    for query, field in BAD_INPUT:  # one setup for every case; every case is reported
        response = get(client, cast["camille"], cast["lea"], **query)
        errors = (response.get_json() or {}).get("errors", {})
        if response.status_code != 422 or list(errors) != ["query"] \
                or field not in errors["query"]:
            wrong.append((query, response.status_code, errors))
    assert wrong == []


def test_a_cursor_is_bound_to_its_timeline_and_cannot_be_forged(client, cast):
    cursor = first_cursor(client, cast)
    assert get(client, cast["sophie"], cast["lea"], cursor=cursor).status_code == 200
    for bad in (tampered(cursor), first_cursor(client, cast, "karim")):
        response = get(client, cast["sophie"], cast["lea"], cursor=bad)
        assert response.status_code == 422
        assert response.get_json()["errors"]["query"]["cursor"] == [
            "not a cursor of this timeline"]
    other = get(client, cast["sophie"], cast["karim"], cursor=cursor)
    assert other.status_code == 422


def test_the_openapi_document_describes_the_timeline(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/customers/{customer_id}/timeline"]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert names == {"cursor", "limit", "channel", "direction", "conversation_id", "since",
                     "until", "q"}
    assert "200" in operation["responses"] and "422" in operation["responses"]
