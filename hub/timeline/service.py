"""Writes to the timeline: inbound and outbound interactions in their conversation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, insert, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from hub.customers.models import Identity
from hub.db import insert_for, utcnow
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


ThreadKey = tuple[str, str, str]  # (channel, account, thread key)


class Opening(NamedTuple):
    """What ``open_conversations`` needs to find or open one thread."""

    identity: Identity
    channel: str
    account: str
    thread_key: str
    subject: str = ""
    at: datetime | None = None  # a new thread's last activity: its first item's time

    @property
    def key(self) -> ThreadKey:
        return self.channel, self.account, self.thread_key


def open_conversations(
    session: Session, openings: Sequence[Opening]
) -> dict[ThreadKey, Conversation]:
    """``open_conversation`` for many threads in two statements: one ``SELECT`` of their
    open conversations (with their customers), one multi-row ``INSERT`` of the missing
    ones. The first opening of a thread names its customer and subject. Callers hold the
    threads (``hub.intake.service.lock_threads``) so a thread is opened once."""
    wanted: dict[ThreadKey, Opening] = {}
    for opening in openings:
        wanted.setdefault(opening.key, opening)
    if not wanted:
        return {}
    by_account: dict[tuple[str, str], list[str]] = {}
    for channel, account, thread_key in wanted:
        by_account.setdefault((channel, account), []).append(thread_key)
    query = (
        select(Conversation)
        .options(joinedload(Conversation.customer))  # routing reads the customer next
        .where(Conversation.status == "open",
               or_(*(and_(Conversation.channel == channel, Conversation.account == account,
                          Conversation.thread_key.in_(keys))
                     for (channel, account), keys in by_account.items())))
        .order_by(Conversation.id)
    )
    found = {(c.channel, c.account, c.thread_key): c for c in session.scalars(query)}  # newest
    new = [opening for key, opening in wanted.items() if key not in found]
    if new:
        now = utcnow()
        rows = [
            {"customer_id": o.identity.customer_id, "channel": o.channel, "account": o.account,
             "thread_key": o.thread_key, "customer_address": o.identity.address,
             "subject": o.subject[:300], "last_activity_at": o.at or now}
            for o in new
        ]
        created = session.scalars(
            insert(Conversation).returning(Conversation, sort_by_parameter_order=True), rows
        )
        for opening, conversation in zip(new, created, strict=True):
            if "customer" not in inspect(opening.identity).unloaded:
                set_committed_value(conversation, "customer", opening.identity.customer)
            found[opening.key] = conversation
    return found


def record_inbounds(
    session: Session, entries: Sequence[tuple[Conversation, InboundItem]],
    *, now: datetime | None = None,
) -> list[Interaction | None]:
    """``record_inbound`` for many items, in order, in one ``INSERT … ON CONFLICT DO
    NOTHING RETURNING`` (and one for their attachments). Returns one interaction per
    entry, None when its provider id is already on the timeline or earlier in
    ``entries``. Interactions get their ids in the order of ``entries``, so one
    conversation's items keep their order on the timeline."""
    now = now or utcnow()  # the time of items the provider gave none
    rows: list[dict[str, object]] = []
    first: dict[tuple[str, str], int] = {}  # (channel, provider id) -> entry index
    for index, (conversation, item) in enumerate(entries):
        key = (conversation.channel, item.provider_id)
        if key in first:
            continue
        first[key] = index
        rows.append({
            "conversation_id": conversation.id, "customer_id": conversation.customer_id,
            "channel": conversation.channel, "direction": Direction.INBOUND,
            "body": item.body, "html": item.html or None, "provider_id": item.provider_id,
            "status": DeliveryStatus.RECEIVED, "occurred_at": item.occurred_at or now,
        })
    if not rows:
        return [None] * len(entries)
    statement = (
        insert_for(session, Interaction)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(Interaction)
    )
    inserted = {(i.channel, i.provider_id): i for i in session.scalars(statement, rows)}
    found: list[Interaction | None] = [None] * len(entries)
    for key, index in first.items():
        found[index] = inserted.get(key)
    _attach(session, [(i, entries[n][1]) for n, i in enumerate(found) if i is not None])
    for (conversation, item), interaction in zip(entries, found, strict=True):
        if interaction is not None:
            set_committed_value(interaction, "has_html", bool(item.html))  # not returned
            touch(conversation, interaction.occurred_at)
    return found


def touch(conversation: Conversation, at: datetime) -> None:
    """The conversation's last activity moves forward only (an item the provider dates
    earlier than the last one does not take it back); a thread opened with its first
    item's time (``Opening.at``) costs no UPDATE for that item."""
    if conversation.last_activity_at is None or at > conversation.last_activity_at:
        conversation.last_activity_at = at


def _attach(session: Session, recorded: list[tuple[Interaction, InboundItem]]) -> None:
    """The recorded interactions' attachments, in one multi-row ``INSERT``; each
    interaction's ``attachments`` is set, so reading it costs no query."""
    rows = [
        {"interaction_id": interaction.id, "source_url": ref.url,
         "content_type": ref.content_type, "filename": ref.filename}
        for interaction, item in recorded for ref in item.attachments
    ]
    created = iter(session.scalars(
        insert(Attachment).returning(Attachment, sort_by_parameter_order=True), rows
    ) if rows else ())
    for interaction, item in recorded:
        set_committed_value(interaction, "attachments",
                            [next(created) for _ref in item.attachments])


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
    touch(conversation, interaction.occurred_at)
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
