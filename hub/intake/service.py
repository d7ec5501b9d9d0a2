"""Storing inbound events: the step after which a provider may be told "received"."""

from __future__ import annotations

from datetime import timedelta

from rq import Retry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import enqueue_after_commit, utcnow
from hub.domain.messages import RawRequest
from hub.intake.models import EventState, InboundEvent

PROCESS_JOB = "workers.intake.process_event"
PROCESS_RETRY = Retry(max=5, interval=[1, 2, 5, 15, 30])


def event_job_id(event_id: int) -> str:
    return f"event-{event_id}"


def store_event(
    session: Session, *, channel: str, account: str, key: str, is_status: bool, req: RawRequest
) -> tuple[InboundEvent, bool]:
    """Insert the raw event; return (event, created). A duplicate returns the stored one."""
    event = InboundEvent(
        channel=channel,
        account=account,
        external_id=key,
        is_status=is_status,
        method=req.method,
        url=req.url,
        headers=dict(req.headers),
        form=[list(pair) for pair in req.form],
        query=[list(pair) for pair in req.query],
        body=req.body,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        existing = session.scalar(
            select(InboundEvent).where(
                InboundEvent.channel == channel,
                InboundEvent.account == account,
                InboundEvent.external_id == key,
            )
        )
        if existing is None:
            raise
        return existing, False
    enqueue_after_commit(session, PROCESS_JOB, event.id, job_id=event_job_id(event.id),
                         retry=PROCESS_RETRY)
    return event, True


def raw_request_of(event: InboundEvent) -> RawRequest:
    return RawRequest(
        method=event.method,
        url=event.url,
        headers=dict(event.headers),
        form=tuple((k, v) for k, v in event.form),
        query=tuple((k, v) for k, v in event.query),
        body=event.body,
    )


def mark_processed(event: InboundEvent) -> None:
    event.state = EventState.PROCESSED
    event.processed_at = utcnow()
    event.error = ""


def stale_event_ids(session: Session, *, older_than: timedelta, limit: int = 500) -> list[int]:
    """Events stored but not processed for a while: Redis lost them or a worker died."""
    cutoff = utcnow() - older_than
    query = (
        select(InboundEvent.id)
        .where(InboundEvent.state == EventState.PENDING, InboundEvent.received_at < cutoff)
        .order_by(InboundEvent.id)
        .limit(limit)
    )
    return list(session.scalars(query))
