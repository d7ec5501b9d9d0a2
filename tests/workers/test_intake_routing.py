"""The new work items of an intake batch are offered together, in one batch routing pass:
cards with the customer's timeline, capacity respected, an older waiting item first, and
a new item no advisor could take announced to its queue."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import User
from hub.db import transaction
from hub.events import RealtimeEvent
from hub.routing.models import Offer, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from tests.conftest import run_jobs
from tests.workers.helpers import available_advisor, post_signed, sms

PHONES = ("+33611111111", "+33622222222", "+33633333333")


def room_for(services, persona, async_items: int) -> None:
    with transaction(services.sessions) as session:
        session.get(User, persona.user.id).capacity = {"async": async_items}


def events(db_session, name: str) -> list[dict]:
    db_session.expire_all()
    return [row.payload for row in db_session.scalars(
        select(RealtimeEvent).where(RealtimeEvent.name == name).order_by(RealtimeEvent.id))]


def test_a_batch_is_offered_within_capacity_and_the_rest_is_announced(client, services,
                                                                      db_session):
    camille = available_advisor(services)
    room_for(services, camille, 2)
    for number, phone in enumerate(PHONES):
        post_signed(client, sms(f"Message {number}", from_=phone))
    run_jobs(services)  # one intake run: the three events in one batch

    offers = db_session.scalars(select(Offer).order_by(Offer.id)).all()
    assert [o.user_id for o in offers] == [camille.user.id] * 2
    cards = events(db_session, "offer.created")
    assert [c["timeline"][0]["body"] for c in cards] == ["Message 0", "Message 1"]
    assert all(c["account"] and c["customer"] for c in cards)
    waiting = db_session.scalars(select(WorkItem).where(WorkItem.state == WorkState.QUEUED)
                                 ).all()
    assert len(waiting) == 1
    assert [e["work_item_id"] for e in events(db_session, "queue.waiting")] == [waiting[0].id]


def test_an_older_waiting_item_is_offered_before_a_new_one(client, services, db_session):
    camille = available_advisor(services)
    room_for(services, camille, 1)
    services.presence.set_status(camille.user.id, PresenceStatus.AWAY)
    post_signed(client, sms("Premier", from_=PHONES[0]))
    run_jobs(services)
    first = db_session.scalar(select(WorkItem))
    assert first.state == WorkState.QUEUED

    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    post_signed(client, sms("Second", from_=PHONES[1]))
    run_jobs(services)

    (offer,) = db_session.scalars(select(Offer)).all()
    assert offer.work_item_id == first.id
    db_session.expire_all()
    second = db_session.scalar(select(WorkItem).where(WorkItem.id != first.id))
    assert second.state == WorkState.QUEUED
