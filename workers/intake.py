"""Process one stored inbound event: parse, resolve the customer, record, route."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bootstrap import Services
from hub.customers.identity import resolve_sender
from hub.db import enqueue_after_commit, transaction
from hub.domain.errors import BadPayload, UnknownChannel
from hub.intake.models import EventState, InboundEvent
from hub.intake.service import mark_processed, raw_request_of
from hub.replies.service import apply_delivery_update
from hub.routing.service import submit_work
from hub.timeline.service import open_conversation, record_inbound
from workers.context import services
from workers.media import MEDIA_JOB, media_job_id
from workers.retries import MEDIA_RETRY

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class StatusForUnknownMessage(Exception):
    """A status callback raced ahead of the send's commit: retry later."""


def process_event(event_id: int) -> None:
    svc = services()
    try:
        with transaction(svc.sessions) as session:
            _process(session, svc, event_id)
    except Exception as error:
        _record_failure(svc, event_id, error)
        raise


def _process(session: Session, svc: Services, event_id: int) -> None:
    event = session.scalar(
        select(InboundEvent).where(InboundEvent.id == event_id).with_for_update()
    )
    if event is None or event.state != EventState.PENDING:
        return
    try:
        if event.is_status:
            _apply_statuses(session, svc, event)
        else:
            _record_items(session, svc, event)
    except (BadPayload, UnknownChannel) as error:
        log.warning("event %s rejected: %s", event.id, error.reason)
        event.state = EventState.FAILED
        event.error = error.reason
        return
    mark_processed(event)


def _record_items(session: Session, svc: Services, event: InboundEvent) -> None:
    adapter = svc.channels.adapter(event.channel)
    account = svc.channels.account(event.channel, event.account)
    for item in adapter.parse(raw_request_of(event), account):
        identity = resolve_sender(session, item=item, region=svc.settings.DEFAULT_REGION)
        thread = identity.address if item.thread_key == item.sender_address else item.thread_key
        conversation = open_conversation(session, identity=identity, channel=event.channel,
                                         account=event.account, thread_key=thread,
                                         subject=item.subject)
        interaction = record_inbound(session, conversation=conversation, item=item)
        if interaction is None:
            continue
        for attachment in interaction.attachments:
            enqueue_after_commit(session, MEDIA_JOB, attachment.id,
                                 job_id=media_job_id(attachment.id), retry=MEDIA_RETRY)
        submit_work(session, ctx=svc.routing, conversation=conversation,
                    interaction=interaction)


def _apply_statuses(session: Session, svc: Services, event: InboundEvent) -> None:
    adapter = svc.channels.adapter(event.channel)
    account = svc.channels.account(event.channel, event.account)
    for update in adapter.parse_status(raw_request_of(event), account):
        if not apply_delivery_update(session, channel=event.channel, update=update):
            raise StatusForUnknownMessage(f"no message {update.provider_id} yet")


def _record_failure(svc: Services, event_id: int, error: Exception) -> None:
    with transaction(svc.sessions) as session:
        event = session.get(InboundEvent, event_id)
        if event is None or event.state != EventState.PENDING:
            return
        event.attempts += 1
        event.error = f"{type(error).__name__}: {error}"[:2000]
        if event.attempts >= MAX_ATTEMPTS:
            event.state = EventState.FAILED
            log.error("event %s failed for good: %s", event_id, event.error)
