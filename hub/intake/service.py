"""Storing inbound events: the step after which a provider may be told "received"."""

from __future__ import annotations

from datetime import timedelta

from rq import Retry
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
) -> tuple[int, bool]:
    """Insert the raw event; return (event id, created). A duplicate returns the stored id.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and SQLite): no
    savepoint, and a duplicate costs one more ``SELECT`` only.
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboundEvent)
        .values(
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
        .on_conflict_do_nothing(index_elements=["channel", "account", "external_id"])
        .returning(InboundEvent.id)
    )
    event_id = session.scalar(statement)
    if event_id is None:
        existing = session.scalar(
            select(InboundEvent.id).where(
                InboundEvent.channel == channel,
                InboundEvent.account == account,
                InboundEvent.external_id == key,
            )
        )
        if existing is None:
            raise LookupError(f"inbound event {channel}/{account}/{key} neither stored nor found")
        return existing, False
    enqueue_after_commit(session, PROCESS_JOB, event_id, job_id=event_job_id(event_id),
                         retry=PROCESS_RETRY)
    return event_id, True


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
