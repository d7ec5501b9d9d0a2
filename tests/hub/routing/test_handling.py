"""Transfers with a note, hold, close with a wrap-up code — through the REST API."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Role
from hub.db import transaction
from hub.events import RealtimeEvent
from hub.routing.models import (
    Offer,
    OfferKind,
    OfferState,
    Transfer,
    WorkItem,
    WorkState,
    WrapUpCode,
)
from hub.routing.service import accept_offer
from hub.routing.strategy import Load
from tests.hub.routing.builders import agent, bearer, pending_offers, queue, work


def assigned_item(services, *, capacity=None):
    """Camille has accepted Léa's SMS; Alex (available) and Sophie (supervisor) exist."""
    ctx = services.routing
    with transaction(services.sessions) as session:
        session.add(WrapUpCode(code="resolved", label="Résolu"))
        session.add(WrapUpCode(code="old", label="Retired", active=False))
        camille = agent(session, services, "Camille")
        item = work(session, ctx, text="Ma facture")
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        alex = agent(session, services, "Alex", capacity=capacity)
        sophie = agent(session, services, "Sophie", role=Role.SUPERVISOR, queues=[],
                       available=False)
    return camille, alex, sophie, item


def events(services, name):
    with services.sessions() as session:
        return session.scalars(select(RealtimeEvent).where(RealtimeEvent.name == name)
                               .order_by(RealtimeEvent.id)).all()


def test_transfer_to_another_advisor_with_a_note(client, services):
    camille, alex, _sophie, item = assigned_item(services)
    response = client.post(f"/api/v1/work-items/{item.id}/transfer",
                           json={"user_id": alex.user.id, "note": "Facture de mars, voir PJ"},
                           headers=bearer(camille))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "offered"
    with services.sessions() as session:
        offer = session.scalar(select(Offer).where(Offer.user_id == alex.user.id))
        assert (offer.kind, offer.note, offer.state) == (OfferKind.TRANSFER,
                                                         "Facture de mars, voir PJ",
                                                         OfferState.PENDING)
        transfer = session.scalar(select(Transfer))
        assert (transfer.from_user_id, transfer.to_user_id) == (camille.user.id, alex.user.id)
    (created,) = [e for e in events(services, "offer.created") if e.room == f"user:{alex.user.id}"]
    assert created.payload["transfer"]["note"] == "Facture de mars, voir PJ"
    assert created.payload["transfer"]["by_name"] == "Camille"
    (told,) = events(services, "work.transferred")
    assert told.room == f"user:{camille.user.id}"
    assert services.routing.state.load(camille.user.id) == Load()
    assert services.routing.state.load(alex.user.id) == Load(async_=1)


def test_transfer_to_a_queue_keeps_the_place_and_skips_the_sender(client, services):
    camille, alex, _sophie, item = assigned_item(services)
    with transaction(services.sessions) as session:
        level2 = queue(session, "Niveau 2")
        from hub.routing.models import QueueMember

        session.add(QueueMember(queue_id=level2.id, user_id=alex.user.id))
        session.add(QueueMember(queue_id=level2.id, user_id=camille.user.id))
    response = client.post(f"/api/v1/work-items/{item.id}/transfer",
                           json={"queue_id": level2.id, "note": "Pour le niveau 2"},
                           headers=bearer(camille))
    assert response.status_code == 200, response.get_json()
    with services.sessions() as session:
        moved = session.get(WorkItem, item.id)
        assert (moved.queue_id, moved.state, moved.assigned_user_id) == (
            level2.id, WorkState.OFFERED, None)
        assert moved.rank_at == item.rank_at
        assert pending_offers(session)[0].user_id == alex.user.id


def test_transfer_refusals(client, services):
    camille, alex, sophie, item = assigned_item(services, capacity={"async": 0})
    url = f"/api/v1/work-items/{item.id}/transfer"
    both = client.post(url, json={"user_id": alex.user.id, "queue_id": 1},
                       headers=bearer(camille))
    assert both.status_code == 422 and "queue_id" in both.get_json()["errors"]["json"]
    nowhere = client.post(url, json={"queue_id": 999}, headers=bearer(camille))
    assert nowhere.status_code == 422 and "queue_id" in nowhere.get_json()["errors"]["json"]
    full = client.post(url, json={"user_id": alex.user.id}, headers=bearer(camille))
    assert full.status_code == 409 and "no room" in full.get_json()["errors"]["_"][0]
    not_hers = client.post(url, json={"user_id": camille.user.id}, headers=bearer(alex))
    assert not_hers.status_code == 404
    with services.sessions() as session:  # nothing changed
        assert session.get(WorkItem, item.id).assigned_user_id == camille.user.id
    assert services.routing.state.load(camille.user.id) == Load(async_=1)
    by_supervisor = client.post(url, json={"queue_id": item.queue_id},
                                headers=bearer(sophie))
    assert by_supervisor.status_code == 200


def test_hold_and_resume_keep_the_room(client, services):
    camille, _alex, _sophie, item = assigned_item(services)
    held = client.post(f"/api/v1/work-items/{item.id}/hold", headers=bearer(camille))
    assert held.get_json()["held"] is True
    assert services.routing.state.load(camille.user.id) == Load(async_=1)
    resumed = client.post(f"/api/v1/work-items/{item.id}/resume", headers=bearer(camille))
    assert resumed.get_json()["held"] is False
    assert [e.name for e in events(services, "work.held") + events(services, "work.resumed")] \
        == ["work.held", "work.resumed"]


def test_close_needs_an_active_wrap_up_code_and_frees_the_room(client, services):
    camille, alex, _sophie, item = assigned_item(services)
    url = f"/api/v1/work-items/{item.id}/close"
    missing = client.post(url, json={}, headers=bearer(camille))
    assert "wrap_up_code" in missing.get_json()["errors"]["json"]
    retired = client.post(url, json={"wrap_up_code": "old"}, headers=bearer(camille))
    assert retired.status_code == 422
    assert "wrap_up_code" in retired.get_json()["errors"]["json"]
    assert client.post(url, json={"wrap_up_code": "resolved"},
                       headers=bearer(alex)).status_code == 404
    closed = client.post(url, json={"wrap_up_code": "resolved", "note": "avoir émis"},
                         headers=bearer(camille))
    assert closed.status_code == 200
    again = client.post(url, json={"wrap_up_code": "resolved"}, headers=bearer(camille))
    assert again.status_code == 404  # no longer hers to act on
    assert services.routing.state.load(camille.user.id) == Load()
    (done,) = events(services, "work.closed")
    assert done.payload == {"work_item_id": item.id, "conversation_id": item.conversation_id,
                            "wrap_up_code": "resolved", "closed_by": camille.user.id}


def test_my_routing_state(client, services):
    camille, _alex, _sophie, item = assigned_item(services)
    mine = client.get("/api/v1/work-items/mine", headers=bearer(camille)).get_json()
    assert mine["status"] == "available"
    assert mine["load"] == {"voice": 0, "chat": 0, "async": 1}
    assert mine["capacity"]["chat"] == 3
    assert [i["id"] for i in mine["work_items"]] == [item.id]
