"""Incidents in the inbox: Camille links Léa's conversation to an open incident (and
unlinks it); the customer panel lists Léa's open incidents — linked to her conversations,
or matched to a question she asked on the forum. Gated, audited, pushed live."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.auth.models import Role, User
from hub.db import transaction
from hub.events import RealtimeEvent, user_room
from hub.forum.defaults import ensure_defaults
from hub.incidents import service as incidents
from hub.incidents.models import IncidentConversation
from hub.timeline.models import Conversation
from tests.hub.forum.conftest import ask, make_member
from tests.personas import advisor
from tests.workers.helpers import Handled, accepted_conversation


@pytest.fixture
def handled(services, client) -> Handled:
    with transaction(services.sessions) as session:
        ensure_defaults(session)
    return accepted_conversation(services, client)


def declare(services, title: str, keywords: tuple[str, ...] = ("coupure",),
            resolved: bool = False) -> int:
    with transaction(services.sessions) as session:
        boss = session.scalar(select(User).where(User.email == "nora@example.test"))
        if boss is None:
            boss = advisor(session, email="nora@example.test", name="Nora",
                           role=Role.SUPERVISOR, queue=False).user
        incident = incidents.declare(session, title=title, message="En cours.",
                                     category_ids=[], keywords=list(keywords), user=boss)
        if resolved:
            incidents.resolve(session, incident=incident, message="Réparé.", user=boss)
        return incident.id


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_link_list_and_unlink_audited_and_pushed(services, client, handled, db_session):
    outage = declare(services, "Coupure fibre à Lyon")
    other = declare(services, "Panne SMS nationale", ("sms",))
    declare(services, "Ancienne panne", resolved=True)
    url = f"/api/v1/conversations/{handled.conversation_id}/incidents"
    headers = auth(handled.token)

    before = client.get(url, headers=headers).get_json()
    assert before["linked"] == []
    assert [i["title"] for i in before["open"]] == ["Coupure fibre à Lyon",
                                                   "Panne SMS nationale"]
    linked = client.post(url, json={"incident_id": outage}, headers=headers)
    assert linked.status_code == 201, linked.get_json()
    assert [i["id"] for i in linked.get_json()["linked"]] == [outage]
    assert [i["id"] for i in linked.get_json()["open"]] == [other]
    again = client.post(url, json={"incident_id": outage}, headers=headers)
    assert again.status_code == 201 and len(again.get_json()["linked"]) == 1

    customer_id = db_session.get(Conversation, handled.conversation_id).customer_id
    panel = client.get(f"/api/v1/customers/{customer_id}/incidents", headers=headers).get_json()
    assert [(i["id"], i["conversation_ids"], i["topic_ids"]) for i in panel] == [
        (outage, [handled.conversation_id], [])]

    unlinked = client.delete(f"{url}/{outage}", headers=headers)
    assert unlinked.status_code == 200 and unlinked.get_json()["linked"] == []
    assert client.delete(f"{url}/{outage}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/customers/{customer_id}/incidents",
                      headers=headers).get_json() == []

    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.subject_id, e.details["incident_id"], e.actor_user_id)
            for e in entries if e.action.startswith("incident.conversation")] == [
        ("incident.conversation_linked", str(handled.conversation_id), outage,
         handled.advisor_id),
        ("incident.conversation_unlinked", str(handled.conversation_id), outage,
         handled.advisor_id)]
    pushed = db_session.scalars(select(RealtimeEvent).where(
        RealtimeEvent.name == "incidents.changed")).all()
    assert len(pushed) == 2
    assert all(e.room == user_room(handled.advisor_id) for e in pushed)
    assert pushed[0].payload == {"customer_id": customer_id,
                                 "conversation_id": handled.conversation_id,
                                 "incident_id": outage}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "incident_id"), ({"incident_id": "3"}, "incident_id"), ({"incident_id": 0}, "incident_id"),
    ({"incident_id": 2**31}, "incident_id"), ({"incident_id": 1, "customer_id": 9}, "customer_id"),
])
def test_bad_input_is_a_422_naming_the_field(services, client, handled, body, field):
    declare(services, "Coupure fibre")
    response = client.post(f"/api/v1/conversations/{handled.conversation_id}/incidents",
                           json=body, headers=auth(handled.token))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_an_unknown_incident_is_a_422_and_a_resolved_one_a_409(services, client, handled,
                                                              db_session):
    url = f"/api/v1/conversations/{handled.conversation_id}/incidents"
    unknown = client.post(url, json={"incident_id": 999999}, headers=auth(handled.token))
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["json"]["incident_id"] == ["no such incident"]
    resolved = declare(services, "Panne réparée", resolved=True)
    refused = client.post(url, json={"incident_id": resolved}, headers=auth(handled.token))
    assert refused.status_code == 409
    assert db_session.scalars(select(IncidentConversation)).all() == []


def test_an_advisor_who_does_not_handle_it_gets_404s(services, client, handled, db_session):
    outage = declare(services, "Coupure fibre")
    with transaction(services.sessions) as session:
        noe = advisor(session, email="noe@example.test", name="Noé", queue=False)
    url = f"/api/v1/conversations/{handled.conversation_id}/incidents"
    customer_id = db_session.get(Conversation, handled.conversation_id).customer_id
    assert client.get(url, headers=auth(noe.token)).status_code == 404
    assert client.post(url, json={"incident_id": outage},
                       headers=auth(noe.token)).status_code == 404
    assert client.post("/api/v1/conversations/999999/incidents", json={"incident_id": outage},
                       headers=auth(handled.token)).status_code == 404
    assert client.post(url, json={"incident_id": outage},
                       headers=auth(handled.token)).status_code == 201
    assert client.delete(f"{url}/{outage}", headers=auth(noe.token)).status_code == 404
    assert client.get(f"/api/v1/customers/{customer_id}/incidents",
                      headers=auth(noe.token)).status_code == 404
    assert client.get(url).status_code == 401  # anonymous (POST: tests/security)
    assert len(db_session.scalars(select(IncidentConversation)).all()) == 1


def test_the_panel_also_lists_incidents_matched_to_the_customers_forum_questions(
        services, client, handled, db_session):
    outage = declare(services, "Coupure fibre à Lyon")
    customer_id = db_session.get(Conversation, handled.conversation_id).customer_id
    with transaction(services.sessions) as session:
        lea = make_member(session, "LeaTest42")
        lea.customer_id = customer_id
        topic = ask(session, lea, "Coupure internet depuis ce matin", slug="box-internet")
        stranger = make_member(session, "Inconnu42")
        ask(session, stranger, "Coupure chez moi aussi", slug="box-internet")
        topic_id = topic.id
    panel = client.get(f"/api/v1/customers/{customer_id}/incidents",
                       headers=auth(handled.token)).get_json()
    assert [(i["id"], i["conversation_ids"], i["topic_ids"]) for i in panel] == [
        (outage, [], [topic_id])]
    with transaction(services.sessions) as session:
        boss = session.scalar(select(User).where(User.email == "nora@example.test"))
        incidents.resolve(session, incident=session.get(incidents.Incident, outage),
                          message="Réparé.", user=boss)
    assert client.get(f"/api/v1/customers/{customer_id}/incidents",
                      headers=auth(handled.token)).get_json() == []
