"""Advisor replies reach Twilio exactly once; status callbacks only move forward.

Retries: RQ's ``Retry(interval=...)`` parks a failed job in the ScheduledJobRegistry.
``run_scheduled_retries`` (tests/workers/helpers.py) does the scheduler's step by hand —
remove the job from the registry, ``queue.enqueue_job`` it — then runs the queue, so the
real retry path runs without waiting for a clock.
"""

from __future__ import annotations

import pytest
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import select

import workers.delivery
from hub.events import RealtimeEvent
from hub.intake.models import EventState, InboundEvent
from hub.replies.models import Delivery, DeliveryState
from hub.timeline.models import Interaction
from tests.conftest import HUB_NUMBER, run_jobs
from tests.personas import LEA_PHONE
from tests.workers.helpers import (
    PUBLIC_HOOK,
    Handled,
    accepted_conversation,
    post_signed,
    reply,
    run_scheduled_retries,
    scheduled_job_ids,
    status_callback,
)
from workers.intake import process_batch


@pytest.fixture
def handled(client, services) -> Handled:
    return accepted_conversation(services, client)


def delivery_of(db_session, interaction_id: int) -> Delivery:
    db_session.expire_all()
    return db_session.scalar(select(Delivery).where(Delivery.interaction_id == interaction_id))


def test_a_reply_through_the_api_reaches_twilio_once(client, services, twilio, handled, db_session):
    response = client.post(
        f"/api/v1/conversations/{handled.conversation_id}/replies",
        json={"body": "Bonjour Léa, je regarde votre facture."},
        headers={"Authorization": f"Bearer {handled.token}"},
    )
    assert response.status_code == 201, response.data
    run_jobs(services)

    (sent,) = twilio.messages
    assert (sent.to, sent.from_, sent.body) == (
        LEA_PHONE,
        HUB_NUMBER,
        "Bonjour Léa, je regarde votre facture.",
    )
    assert sent.status_callback == PUBLIC_HOOK
    delivery = delivery_of(db_session, response.get_json()["id"])
    assert (delivery.state, delivery.attempts, delivery.possible_duplicate) == (
        DeliveryState.SENT,
        1,
        False,
    )
    assert delivery.interaction.provider_id == sent.sid
    run_jobs(services)
    assert len(twilio.messages) == 1


def test_a_429_is_retried_and_the_message_sent_exactly_once(services, twilio, handled, db_session):
    interaction_id = reply(services, handled, "Votre remboursement est en cours")
    twilio.fail_next(429)
    run_jobs(services)

    delivery = delivery_of(db_session, interaction_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert "429" in delivery.last_error
    assert twilio.messages == []
    assert scheduled_job_ids(services) == [f"delivery-{delivery.id}"]

    assert run_scheduled_retries(services) == [f"delivery-{delivery.id}"]

    assert [m.body for m in twilio.messages] == ["Votre remboursement est en cours"]
    assert twilio.create_attempts == 2
    delivery = delivery_of(db_session, interaction_id)
    assert (delivery.state, delivery.attempts, delivery.possible_duplicate) == (
        DeliveryState.SENT,
        2,
        False,
    )
    assert scheduled_job_ids(services) == []


def test_a_400_fails_the_reply_for_good_without_retry(services, twilio, handled, db_session):
    interaction_id = reply(services, handled, "Ce message sera refusé")
    twilio.fail_next(400, code=21610, message="Attempt to send to unsubscribed recipient")
    run_jobs(services)

    delivery = delivery_of(db_session, interaction_id)
    assert delivery.state == DeliveryState.FAILED
    assert "21610" in delivery.last_error
    assert delivery.interaction.status == "failed"
    assert scheduled_job_ids(services) == []
    assert FailedJobRegistry(queue=services.queue).count == 0
    workers.delivery.deliver(delivery.id)
    assert twilio.create_attempts == 1
    statuses = db_session.scalars(
        select(RealtimeEvent.payload).where(RealtimeEvent.name == "message.status")
    ).all()
    assert [p["status"] for p in statuses] == ["failed"]


def test_a_crash_after_the_provider_call_sends_again_flagged_as_possible_duplicate(
    services, twilio, handled, db_session, monkeypatch
):
    interaction_id = reply(services, handled, "Votre technicien passe demain")

    def killed(*args, **kwargs):
        raise SystemExit("worker killed before committing the send")

    with monkeypatch.context() as patch:
        patch.setattr(workers.delivery, "finish_attempt", killed)
        with pytest.raises(SystemExit):
            workers.delivery.deliver(delivery_of(db_session, interaction_id).id)

    assert len(twilio.messages) == 1
    delivery = delivery_of(db_session, interaction_id)
    assert (delivery.state, delivery.possible_duplicate) == (DeliveryState.SENDING, False)

    run_jobs(services)  # the reply's queued job is the next attempt

    assert [m.body for m in twilio.messages] == ["Votre technicien passe demain"] * 2
    delivery = delivery_of(db_session, interaction_id)
    assert (delivery.state, delivery.attempts, delivery.possible_duplicate) == (
        DeliveryState.SENT,
        2,
        True,
    )
    assert delivery.interaction.provider_id == twilio.messages[1].sid


def sent_reply(services, twilio, handled, body: str = "C'est réglé") -> tuple[int, str]:
    interaction_id = reply(services, handled, body)
    run_jobs(services)
    (sent,) = twilio.messages
    return interaction_id, sent.sid


def test_a_late_sent_after_delivered_leaves_the_reply_delivered(
    client, services, twilio, handled, db_session
):
    interaction_id, sid = sent_reply(services, twilio, handled)

    post_signed(client, status_callback(sid, "delivered"))
    post_signed(client, status_callback(sid, "sent"))
    post_signed(client, status_callback(sid, "delivered"))  # Twilio's own retry
    run_jobs(services)

    interaction = db_session.get(Interaction, interaction_id)
    db_session.refresh(interaction)
    assert interaction.status == "delivered"
    events = db_session.scalars(select(InboundEvent).where(InboundEvent.is_status)).all()
    assert sorted(e.external_id for e in events) == [f"{sid}:delivered", f"{sid}:sent"]
    assert {e.state for e in events} == {EventState.PROCESSED}
    announced = [
        p["status"]
        for p in db_session.scalars(
            select(RealtimeEvent.payload)
            .where(RealtimeEvent.name == "message.status")
            .order_by(RealtimeEvent.id)
        )
    ]
    assert announced[-1] == "delivered"
    assert announced.count("delivered") == 1
    assert "sent" not in announced


def test_read_after_delivered_moves_the_reply_forward(
    client, services, twilio, handled, db_session
):
    interaction_id, sid = sent_reply(services, twilio, handled)
    post_signed(client, status_callback(sid, "delivered"))
    post_signed(client, status_callback(sid, "read"))
    run_jobs(services)
    assert db_session.get(Interaction, interaction_id).status == "read"


def test_a_status_callback_for_an_unknown_message_stays_pending_and_is_retried(
    client, services, db_session
):
    post_signed(client, status_callback("SM" + "0" * 32, "delivered"))
    run_jobs(services)

    event = db_session.scalar(select(InboundEvent))
    assert (event.state, event.attempts) == (EventState.PENDING, 1)
    assert "StatusForUnknownMessage" in event.error
    # its retry is scheduled (1 s later); on a loaded machine RQ may already have moved
    # it back to the queue: both mean it will run again
    retry = Job.fetch(f"event-{event.id}", connection=services.redis)
    assert retry.get_status() in (JobStatus.SCHEDULED, JobStatus.QUEUED)
    assert set(scheduled_job_ids(services)) <= {retry.id}


def test_a_status_callback_racing_ahead_of_the_send_commit_is_not_lost(
    client, services, twilio, handled, db_session, monkeypatch
):
    """Twilio calls back between its API answer and our commit of the sid."""
    interaction_id = reply(services, handled, "Réponse rapide")
    real_finish = workers.delivery.finish_attempt
    seen: list[int] = []

    def callback_first(session, *, delivery_id, result):
        post_signed(client, status_callback(result.provider_id, "delivered"))
        (event_id,) = db_session.scalars(
            select(InboundEvent.id).where(InboundEvent.is_status)
        ).all()
        assert process_batch() == 0  # the intake runs now and fails: no sid committed yet
        seen.append(event_id)
        real_finish(session, delivery_id=delivery_id, result=result)

    monkeypatch.setattr(workers.delivery, "finish_attempt", callback_first)
    workers.delivery.deliver(delivery_of(db_session, interaction_id).id)
    monkeypatch.undo()

    (event_id,) = seen
    db_session.expire_all()
    event = db_session.get(InboundEvent, event_id)
    assert (event.state, event.attempts) == (EventState.PENDING, 1)
    assert "StatusForUnknownMessage" in event.error

    assert run_scheduled_retries(services) == [f"event-{event_id}"]  # the send is committed

    db_session.expire_all()
    assert db_session.get(InboundEvent, event_id).state == EventState.PROCESSED
    assert db_session.get(Interaction, interaction_id).status == "delivered"
    assert len(twilio.messages) == 1
