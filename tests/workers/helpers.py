"""Shared steps of the worker tests: signed webhooks, counts, scheduled retries, a reply."""

from __future__ import annotations

from dataclasses import dataclass

from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from hub.auth.models import User
from hub.bootstrap import Services
from hub.db import transaction
from hub.replies.service import send_reply
from hub.routing.models import Offer, OfferState
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer
from hub.timeline.models import Conversation
from tests.conftest import HUB_NUMBER, TWILIO_SID, TWILIO_TOKEN, run_jobs
from tests.personas import LEA_PHONE, advisor, demo_customers
from tests.standins.twilio import SentMessage, inbound_sms_params, status_callback_params

HOOK = "/hooks/twilio_sms/demo"
PUBLIC_HOOK = "https://hub.example.test" + HOOK


def post_signed(client, params: dict[str, str]):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_HOOK, params)
    response = client.post(HOOK, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.data
    return response


def sms(
    body: str = "Bonjour, ma box ne marche plus",
    *,
    from_: str = LEA_PHONE,
    sid: str | None = None,
    media: list[tuple[str, str]] | None = None,
) -> dict[str, str]:
    return inbound_sms_params(
        from_=from_, to=HUB_NUMBER, body=body, account_sid=TWILIO_SID, message_sid=sid, media=media
    )


def status_callback(sid: str, status: str) -> dict[str, str]:
    message = SentMessage(
        sid=sid,
        to=LEA_PHONE,
        from_=HUB_NUMBER,
        body="",
        media_urls=[],
        status_callback=PUBLIC_HOOK,
        account_sid=TWILIO_SID,
    )
    return status_callback_params(message, status)


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def scheduled_job_ids(svc: Services) -> list[str]:
    return ScheduledJobRegistry(queue=svc.queue).get_job_ids()


def run_scheduled_retries(svc: Services) -> list[str]:
    """Move every job RQ scheduled for a later retry back to the queue and run it now.

    RQ's ``Retry(interval=...)`` parks a failed job in the ScheduledJobRegistry; in
    production RQ's scheduler enqueues it when due. Here we do the scheduler's step by
    hand (remove from the registry, ``queue.enqueue_job``) so no test waits for a clock.
    """
    registry = ScheduledJobRegistry(queue=svc.queue)
    ids = registry.get_job_ids()
    for job_id in ids:
        job = Job.fetch(job_id, connection=svc.redis)
        registry.remove(job)
        svc.queue.enqueue_job(job)
    run_jobs(svc)
    return ids


@dataclass
class Handled:
    """Camille has accepted Léa's SMS conversation."""

    advisor_id: int
    token: str
    conversation_id: int


def available_advisor(svc: Services, **kwargs: object):
    with transaction(svc.sessions) as session:
        persona = advisor(session, **kwargs)  # type: ignore[arg-type]
    svc.presence.set_status(persona.user.id, PresenceStatus.AVAILABLE)
    return persona


def accepted_conversation(svc: Services, client) -> Handled:
    with transaction(svc.sessions) as session:
        demo_customers(session)
    camille = available_advisor(svc)
    post_signed(client, sms())
    run_jobs(svc)
    with transaction(svc.sessions) as session:
        offer = session.scalar(select(Offer).where(Offer.state == OfferState.PENDING))
        assert offer is not None and offer.user_id == camille.user.id
        user = session.get(User, camille.user.id)
        item = accept_offer(session, ctx=svc.routing, offer_id=offer.id, user=user)
        conversation_id = item.conversation_id
    return Handled(camille.user.id, camille.token, conversation_id)


def reply(svc: Services, handled: Handled, body: str) -> int:
    """Camille answers through the reply service; returns the interaction id."""
    with transaction(svc.sessions) as session:
        conversation = session.get(Conversation, handled.conversation_id)
        interaction = send_reply(
            session,
            conversation=conversation,
            user=session.get(User, handled.advisor_id),
            body=body,
            capabilities=svc.channels.adapter(conversation.channel).capabilities,
        )
        return interaction.id
