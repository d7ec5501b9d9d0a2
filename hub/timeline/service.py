"""Writes to the timeline: inbound and outbound interactions in their conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.customers.models import Identity
from hub.db import utcnow
from hub.domain.kinds import DeliveryStatus, Direction
from hub.domain.messages import InboundItem
from hub.timeline.models import Attachment, Conversation, Interaction


def open_conversation(
    session: Session, *, identity: Identity, channel: str, account: str, thread_key: str,
    subject: str = "",
) -> Conversation:
    """The open thread for this key, or a new one (a closed thread is never reopened here)."""
    query = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.account == account,
            Conversation.thread_key == thread_key,
            Conversation.status == "open",
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    conversation = session.scalar(query)
    if conversation is None:
        conversation = Conversation(
            customer_id=identity.customer_id,
            channel=channel,
            account=account,
            thread_key=thread_key,
            customer_address=identity.address,
            subject=subject[:300],
        )
        session.add(conversation)
        session.flush()
    return conversation


def record_inbound(
    session: Session, *, conversation: Conversation, item: InboundItem
) -> Interaction | None:
    """Append the item; None when this provider id is already on the timeline."""
    interaction = Interaction(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction=Direction.INBOUND,
        body=item.body,
        html=item.html or None,
        provider_id=item.provider_id,
        status=DeliveryStatus.RECEIVED,
        occurred_at=item.occurred_at or utcnow(),
        attachments=[
            Attachment(source_url=ref.url, content_type=ref.content_type, filename=ref.filename)
            for ref in item.attachments
        ],
    )
    try:
        with session.begin_nested():
            session.add(interaction)
    except IntegrityError:
        return None
    conversation.last_activity_at = interaction.occurred_at
    return interaction


def record_outbound(
    session: Session, *, conversation: Conversation, body: str, author_user_id: int,
    channel: str | None = None,
) -> Interaction:
    """``channel``: another channel than the conversation's (a reply by SMS to an email)."""
    interaction = Interaction(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=channel or conversation.channel,
        direction=Direction.OUTBOUND,
        author_user_id=author_user_id,
        body=body,
        status=DeliveryStatus.QUEUED,
    )
    session.add(interaction)
    conversation.last_activity_at = utcnow()
    session.flush()
    return interaction


def advance_status(interaction: Interaction, status: DeliveryStatus, error_code: str = "") -> bool:
    """Move the delivery status forward only; late or repeated callbacks change nothing."""
    if not status.advances(DeliveryStatus(interaction.status)):
        return False
    interaction.status = status
    if error_code:
        interaction.error_code = error_code
    return True
