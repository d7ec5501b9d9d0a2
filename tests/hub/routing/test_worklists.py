"""The inbox lists (mine, my queues, all open), their filters, counts and access checks;
reopening and tagging work — through the REST API."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Role
from hub.db import transaction
from hub.events import RealtimeEvent
from hub.routing.handling import close_work
from hub.routing.models import SlaState, WorkItem, WorkState, WrapUpCode
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer
from tests.hub.routing.builders import agent, bearer, customer, pending_offers, queue, work
from tests.support.statements import statements_sent


def scene(services):
    """Camille (queues: default) has accepted Léa's SMS; Karim's email waits in the default
    queue; Emma's chat waits in "Niveau 2" (Camille is not a member); Sophie supervises."""
    ctx = services.routing
    with transaction(services.sessions) as session:
        session.add(WrapUpCode(code="resolved", label="Résolu"))
        camille = agent(session, services, "Camille")
        lea = work(session, ctx, text="Ma facture est fausse", kind="sms")
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        services.presence.set_status(camille.user.id, PresenceStatus.AWAY)
        karim = work(session, ctx, text="Mon colis n'arrive pas", kind="email",
                     who=customer(session, "Karim Benali"), channel="smtp")
        level2 = queue(session, "Niveau 2")
        emma = work(session, ctx, text="Ma box clignote", kind="chat",
                    who=customer(session, "Emma Martin"), channel="webchat")
        emma_row = session.get(WorkItem, emma.id)
        emma_row.queue_id = level2.id
        emma_row.sla_state = SlaState.BREACHED
        sophie = agent(session, services, "Sophie", role=Role.SUPERVISOR, queues=[],
                       available=False)
    return camille, sophie, lea, karim, emma, level2


def get(client, persona, **params):
    return client.get("/api/v1/work-items", query_string=params, headers=bearer(persona))


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [row["id"] for row in response.get_json()["items"]]


def test_mine_queues_and_all_with_counts(client, services):
    camille, sophie, lea, karim, emma, _level2 = scene(services)
    mine = get(client, camille, view="mine")
    assert ids(mine) == [lea.id]
    row = mine.get_json()["items"][0]
    assert row["customer"]["name"] == "Léa Dubois"
    assert row["first_words"] == "Ma facture est fausse"
    assert (row["channel"], row["state"], row["queue"]["name"]) == ("sms", "assigned",
                                                                    row["queue"]["name"])
    assert row["assigned"]["name"] == "Camille"
    assert mine.get_json()["counts"] == {"mine": 1, "queues": 2, "all": None}
    assert ids(get(client, camille, view="queues")) == [lea.id, karim.id]
    every = get(client, sophie, view="all")
    assert ids(every) == [lea.id, karim.id, emma.id]
    assert every.get_json()["counts"] == {"mine": 0, "queues": 0, "all": 3}


def test_filters_and_search(client, services):
    camille, sophie, lea, karim, emma, level2 = scene(services)
    assert ids(get(client, camille, view="queues", channel="email")) == [karim.id]
    assert ids(get(client, camille, view="queues", status="queued")) == [karim.id]
    assert ids(get(client, sophie, view="all", sla="breached")) == [emma.id]
    assert ids(get(client, sophie, view="all", queue=level2.id)) == [emma.id]
    assert ids(get(client, sophie, view="all", q="benali")) == [karim.id]
    assert ids(get(client, sophie, view="all", q="100%")) == []
    assert ids(get(client, sophie, view="all", q=f"#{emma.id}")) == [emma.id]
    filtered = get(client, camille, view="queues", channel="email")
    assert filtered.get_json()["counts"] == {"mine": 0, "queues": 1, "all": None}


def test_access_is_checked_with_reasons(client, services):
    camille, _sophie, _lea, _karim, _emma, level2 = scene(services)
    refused = get(client, camille, view="all")
    assert refused.status_code == 403
    assert "supervisors" in refused.get_json()["errors"]["view"][0]
    foreign = get(client, camille, view="queues", queue=level2.id)
    assert foreign.status_code == 403
    assert "member" in foreign.get_json()["errors"]["view"][0]
    bad = get(client, camille, view="mine", channel="pigeon", sla="late")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["query"]) == {"channel", "sla"}
    assert get(client, camille, cursor="x'--").status_code == 422
    assert client.get("/api/v1/work-items").status_code == 401


def test_pages_with_a_cursor_and_a_fixed_number_of_queries(client, services):
    _camille, sophie, lea, karim, emma, _level2 = scene(services)
    first = get(client, sophie, view="all", limit=2)
    assert ids(first) == [lea.id, karim.id]
    cursor = first.get_json()["next_cursor"]
    second = get(client, sophie, view="all", limit=2, cursor=cursor)
    assert ids(second) == [emma.id]
    assert second.get_json()["next_cursor"] is None

    with statements_sent(services.sessions.kw["bind"]) as statements:
        get(client, sophie, view="all", limit=1)
        few = len(statements)
        statements.clear()
        get(client, sophie, view="all", limit=50)
        assert len(statements) == few


def test_rows_say_who_is_viewing(client, services):
    camille, sophie, lea, _karim, _emma, _level2 = scene(services)
    services.redis.hset(f"entraide:viewers:{lea.conversation_id}", "sid-1", sophie.user.id)
    row = get(client, camille, view="mine").get_json()["items"][0]
    assert row["viewers"] == [{"user_id": sophie.user.id, "name": "Sophie"}]


def test_reopen_puts_closed_work_back_in_its_queue(client, services):
    camille, sophie, lea, _karim, _emma, _level2 = scene(services)
    with transaction(services.sessions) as session:
        close_work(session, ctx=services.routing, item_id=lea.id, user=camille.user,
                   wrap_up_code="resolved")
    assert ids(get(client, camille, view="mine", status="closed")) == [lea.id]
    not_closed = client.post(f"/api/v1/work-items/{lea.id}/reopen", json={},
                             headers=bearer(sophie))
    assert not_closed.status_code == 200, not_closed.get_json()
    assert not_closed.get_json()["state"] in (WorkState.QUEUED, WorkState.OFFERED)
    again = client.post(f"/api/v1/work-items/{lea.id}/reopen", json={}, headers=bearer(sophie))
    assert again.status_code == 409
    with services.sessions() as session:
        item = session.get(WorkItem, lea.id)
        assert (item.closed_at, item.wrap_up_code) == (None, None)
        told = session.scalars(select(RealtimeEvent.room)
                               .where(RealtimeEvent.name == "work.reopened")).all()
        assert f"user:{sophie.user.id}" in told


def test_reopen_by_a_stranger_is_refused(client, services):
    camille, _sophie, lea, _karim, _emma, _level2 = scene(services)
    with transaction(services.sessions) as session:
        close_work(session, ctx=services.routing, item_id=lea.id, user=camille.user,
                   wrap_up_code="resolved")
        other = agent(session, services, "Alex")
    refused = client.post(f"/api/v1/work-items/{lea.id}/reopen", json={}, headers=bearer(other))
    assert refused.status_code == 404


def test_tags(client, services):
    camille, _sophie, lea, karim, _emma, _level2 = scene(services)
    tagged = client.put(f"/api/v1/work-items/{lea.id}/tags",
                        json={"tags": ["Facture", "rappel ", "facture"]}, headers=bearer(camille))
    assert tagged.status_code == 200, tagged.get_json()
    assert tagged.get_json()["tags"] == ["facture", "rappel"]
    assert get(client, camille).get_json()["items"][0]["tags"] == ["facture", "rappel"]
    not_mine = client.put(f"/api/v1/work-items/{karim.id}/tags", json={"tags": ["x"]},
                          headers=bearer(camille))
    assert not_mine.status_code == 404
    too_many = client.put(f"/api/v1/work-items/{lea.id}/tags",
                          json={"tags": [f"t{i}" for i in range(11)]}, headers=bearer(camille))
    assert too_many.status_code == 422
