"""The sweep: what Redis lost is queued again, nothing is queued twice, late offers move on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hub.db import utcnow
from hub.events import RealtimeEvent
from hub.intake.models import EventState, InboundEvent
from hub.replies.models import Delivery
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.timeline.models import Interaction
from tests.conftest import run_jobs
from tests.workers.helpers import (
    accepted_conversation,
    available_advisor,
    count,
    post_signed,
    reply,
    sms,
)
from workers.reconciler import sweep


def test_an_event_whose_job_redis_lost_is_queued_again_and_processed(client, services, db_session):
    post_signed(client, sms("Perdu dans Redis ?"))
    services.redis.flushdb()
    assert services.queue.count == 0

    touched = sweep()
    assert touched["events"] == 1
    assert services.queue.count == 1
    run_jobs(services)

    assert count(db_session, Interaction) == 1
    assert db_session.scalar(select(Interaction.body)) == "Perdu dans Redis ?"
    assert db_session.scalar(select(InboundEvent)).state == EventState.PROCESSED


def test_a_sweep_while_the_event_job_is_still_queued_queues_no_duplicate(
    client, services, db_session
):
    post_signed(client, sms())
    assert services.queue.count == 1

    assert sweep()["events"] == 0
    assert sweep()["events"] == 0
    assert services.queue.count == 1
    run_jobs(services)
    assert count(db_session, Interaction) == 1


def test_a_processed_event_is_not_swept_again(client, services, db_session):
    post_signed(client, sms())
    run_jobs(services)

    assert sweep()["events"] == 0
    assert services.queue.count == 0


def test_a_sweep_while_the_delivery_job_is_still_queued_queues_no_duplicate(
    client, services, db_session
):
    handled = accepted_conversation(services, client)
    reply(services, handled, "Je regarde votre facture")
    delivery_id = db_session.scalar(select(Delivery.id))
    assert services.queue.job_ids == [f"delivery-{delivery_id}"]

    assert sweep()["deliveries"] == 0
    assert services.queue.count == 1


def test_a_delivery_whose_job_redis_lost_is_queued_again(client, services, twilio, db_session):
    handled = accepted_conversation(services, client)
    reply(services, handled, "Je regarde votre facture")
    services.redis.flushdb()

    assert sweep()["deliveries"] == 1
    run_jobs(services)

    assert [m.body for m in twilio.messages] == ["Je regarde votre facture"]
    assert db_session.scalar(select(Delivery.state)) == "sent"


def test_a_stale_delivery_does_not_stop_offers_from_expiring(client, services, db_session):
    handled = accepted_conversation(services, client)
    reply(services, handled, "Je regarde votre facture")
    services.redis.flushdb()
    available_advisor(services, email="alex@example.test", name="Alex", language="en")
    post_signed(client, sms("Mon colis n'est pas arrivé", from_="+33698765432"))
    run_jobs(services)
    assert db_session.scalar(select(Offer.state).where(Offer.id == 2)) == OfferState.PENDING

    expire_pending_offers(services)
    assert sweep()["offers"] == 1


def expire_pending_offers(services) -> None:
    with services.sessions.begin() as session:
        session.execute(
            update(Offer)
            .where(Offer.state == OfferState.PENDING)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def test_an_expired_offer_is_withdrawn_and_offered_to_another_advisor(client, services, db_session):
    camille = available_advisor(services)
    alex = available_advisor(services, email="alex@example.test", name="Alex", language="en")
    post_signed(client, sms())
    run_jobs(services)
    first = db_session.scalar(select(Offer))
    first_user = first.user_id
    other_user = ({camille.user.id, alex.user.id} - {first_user}).pop()

    expire_pending_offers(services)
    assert sweep()["offers"] == 1
    run_jobs(services)  # the routing pass queued after the expiry offers it to the other

    db_session.expire_all()
    offers = db_session.scalars(select(Offer).order_by(Offer.id)).all()
    assert [(o.user_id, o.state) for o in offers] == [
        (first_user, OfferState.EXPIRED),
        (other_user, OfferState.PENDING),
    ]
    assert db_session.scalar(select(WorkItem.state)) == WorkState.OFFERED
    events = db_session.scalars(select(RealtimeEvent).order_by(RealtimeEvent.id)).all()
    withdrawn = [e for e in events if e.name == "offer.withdrawn"]
    assert [(e.room, e.payload["reason"]) for e in withdrawn] == [(f"user:{first_user}", "expired")]
    created = [e.room for e in events if e.name == "offer.created"]
    assert created == [f"user:{first_user}", f"user:{other_user}"]
    assert not services.redis.exists(f"entraide:claim:{first_user}")


def test_an_expired_offer_with_nobody_else_available_goes_back_to_the_queue(
    client, services, db_session
):
    camille = available_advisor(services)
    post_signed(client, sms())
    run_jobs(services)

    expire_pending_offers(services)
    assert sweep()["offers"] == 1
    run_jobs(services)  # the routing pass queued after the expiry offers it to the other

    db_session.expire_all()
    assert db_session.scalar(select(Offer.state)) == OfferState.EXPIRED
    assert count(db_session, Offer) == 1
    assert db_session.scalar(select(WorkItem.state)) == WorkState.QUEUED
    assert not services.redis.exists(f"entraide:claim:{camille.user.id}")
    assert sweep()["offers"] == 0


def test_an_offer_not_yet_due_is_left_alone(client, services, db_session):
    available_advisor(services)
    post_signed(client, sms())
    run_jobs(services)

    assert sweep()["offers"] == 0
    assert db_session.scalar(select(Offer.state)) == OfferState.PENDING
