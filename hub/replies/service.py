"""Advisor replies: the outbound guard, the delivery record and its state machine."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from rq import Retry
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import enqueue_after_commit, utcnow
from hub.domain.errors import NotAllowed
from hub.domain.kinds import DeliveryStatus, Direction
from hub.domain.messages import DeliveryUpdate, OutboundMessage, Quote, SendResult
from hub.domain.ports import Capabilities
from hub.events import publish, user_room
from hub.replies.models import Delivery, DeliveryState
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import find_by_provider_id, interaction_view
from hub.timeline.service import advance_status, record_outbound

DELIVER_JOB = "workers.delivery.deliver"
RETRY = Retry(max=4, interval=[2, 10, 30, 120])


def delivery_job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


@dataclass(frozen=True)
class ReplyRoute:
    """Where a reply goes when it is not the conversation's own channel and address."""

    channel: str
    account: str
    to_address: str


def send_reply(
    session: Session, *, conversation: Conversation, user: User, body: str,
    capabilities: Capabilities, route: ReplyRoute | None = None, subject: str = "",
    quote: Interaction | None = None,
) -> Interaction:
    """Guard, record the outbound interaction and queue its delivery after commit.

    ``subject`` (sent as written) and ``quote`` (a message of this conversation) are for
    channels that thread (email); the caller checks the channel takes them."""
    if quote is not None and quote.conversation_id != conversation.id:
        raise NotAllowed("the quoted message is not in this conversation")
    text = body.strip()
    if not text:
        raise NotAllowed("the reply is empty")
    if len(text) > capabilities.max_length:
        raise NotAllowed(f"the reply is longer than {capabilities.max_length} characters")
    if conversation.status != "open":
        raise NotAllowed("the conversation is closed")
    route = route or ReplyRoute(conversation.channel, conversation.account,
                                conversation.customer_address)
    interaction = record_outbound(
        session, conversation=conversation, body=text, author_user_id=user.id,
        channel=route.channel,
    )
    delivery = Delivery(
        interaction_id=interaction.id,
        channel=route.channel,
        account=route.account,
        to_address=route.to_address,
        idempotency_key=secrets.token_hex(16),
        subject=" ".join(subject.split())[:300],
        quote_interaction_id=quote.id if quote is not None else None,
    )
    session.add(delivery)
    session.flush()
    enqueue_after_commit(session, DELIVER_JOB, delivery.id, job_id=delivery_job_id(delivery.id),
                         retry=RETRY)
    publish(session, room=user_room(user.id), name="message.created",
            payload=interaction_view(interaction))
    return interaction


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    channel: str
    account: str
    message: OutboundMessage


def begin_attempt(session: Session, *, delivery_id: int, callback_url: str) -> Attempt | None:
    """Mark the delivery in flight (committed before the provider call); None if done."""
    delivery = session.scalar(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    )
    if delivery is None or delivery.state in (DeliveryState.SENT, DeliveryState.FAILED):
        return None
    if delivery.state == DeliveryState.SENDING:
        # A previous attempt died between the provider call and its commit: it may have
        # been sent. Send again (a reply must not be lost) and flag the possible duplicate.
        delivery.possible_duplicate = True
    delivery.state = DeliveryState.SENDING
    delivery.attempts += 1
    advance_status(delivery.interaction, DeliveryStatus.SENDING)
    conversation = delivery.interaction.conversation
    return Attempt(
        delivery_id=delivery.id,
        channel=delivery.channel,
        account=delivery.account,
        message=OutboundMessage(
            to=delivery.to_address,
            body=delivery.interaction.body,
            idempotency_key=delivery.idempotency_key,
            status_callback_url=callback_url,
            thread_key=conversation.thread_key,
            subject=delivery.subject or conversation.subject,
            exact_subject=bool(delivery.subject),
            in_reply_to=_last_inbound_id(session, conversation, delivery.channel),
            quote=_quote(session, delivery.quote_interaction, conversation),
            references=_thread_ids(session, conversation, delivery.channel),
        ),
    )


def _quote(session: Session, quoted: Interaction | None,
           conversation: Conversation) -> Quote | None:
    if quoted is None or not quoted.body:  # erased since, for one
        return None
    if quoted.direction == Direction.INBOUND:
        name, address = conversation.customer.display_name, conversation.customer_address
        author = f"{name} <{address}>" if name and address else name or address
    else:
        advisor = session.get(User, quoted.author_user_id) if quoted.author_user_id else None
        author = advisor.name if advisor else ""
    return Quote(text=quoted.body, author=author, at=quoted.occurred_at,
                 language=conversation.customer.language or "")


def _thread_ids(session: Session, conversation: Conversation, channel: str) -> tuple[str, ...]:
    """The provider ids of the conversation's messages on this channel, oldest first."""
    return tuple(session.scalars(
        select(Interaction.provider_id)
        .where(Interaction.conversation_id == conversation.id, Interaction.channel == channel,
               Interaction.provider_id.is_not(None))
        .order_by(Interaction.occurred_at, Interaction.id)))


def _last_inbound_id(session: Session, conversation: Conversation, channel: str) -> str:
    """The provider id of the customer's latest message on this channel ("" if none)."""
    return session.scalar(
        select(Interaction.provider_id)
        .where(Interaction.conversation_id == conversation.id,
               Interaction.direction == Direction.INBOUND, Interaction.channel == channel,
               Interaction.provider_id.is_not(None))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(1)
    ) or ""


def finish_attempt(session: Session, *, delivery_id: int, result: SendResult) -> None:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    delivery.state = DeliveryState.SENT
    delivery.sent_at = utcnow()
    interaction = delivery.interaction
    interaction.provider_id = result.provider_id
    advance_status(interaction, result.status)
    _announce_status(session, interaction)


def fail_attempt(session: Session, *, delivery_id: int, reason: str, final: bool) -> None:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    delivery.last_error = reason
    delivery.state = DeliveryState.FAILED if final else DeliveryState.PENDING
    if final:
        advance_status(delivery.interaction, DeliveryStatus.FAILED)
        _announce_status(session, delivery.interaction)


def apply_delivery_update(session: Session, *, channel: str, update: DeliveryUpdate) -> bool:
    """A status callback: move the interaction's status forward, never back."""
    interaction = find_by_provider_id(session, channel, update.provider_id)
    if interaction is None:
        return False
    if advance_status(interaction, update.status, update.error_code):
        _announce_status(session, interaction)
    return True


def _announce_status(session: Session, interaction: Interaction) -> None:
    if interaction.author_user_id is None:
        return
    publish(session, room=user_room(interaction.author_user_id), name="message.status",
            payload={"interaction_id": interaction.id, "status": interaction.status,
                     "conversation_id": interaction.conversation_id})
