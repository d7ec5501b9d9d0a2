"""Storing inbound events: the step after which a provider may be told "received"."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from rq import Retry
from sqlalchemy import func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.db import is_postgresql, utcnow, wake_after_commit
from hub.domain.messages import RawRequest
from hub.intake.models import EventState, InboundEvent

PROCESS_JOB = "workers.intake.process_event"  # one event: retries and the sweep's re-queues
PROCESS_RETRY = Retry(max=5, interval=[1, 2, 5, 15, 30])
INTAKE = "intake"  # the batch woken after each stored event (hub.db.wake_after_commit)
HELP = "intake-help"  # a second run beside it while a backlog lasts
BATCH_JOB = "workers.intake.process_batch"
BATCH_JOBS = {INTAKE: BATCH_JOB, HELP: "workers.intake.help_batch"}
# PostgreSQL advisory lock: one batch at a time between its claim and its thread locks.
CLAIM_LOCK = int.from_bytes(b"intake", "big")


# Written into the SQL, not bound: the planner must see it to use the partial index
# ix_inbound_events_pending, in a server-side prepared (generic) plan too.
IS_PENDING = InboundEvent.state == literal_column(f"'{EventState.PENDING.value}'")


def event_job_id(event_id: int) -> str:
    return f"event-{event_id}"


def _store_statement(insert: Any) -> Any:
    """Built once per dialect: a Core statement on the table, so each webhook only binds
    its values (no ORM bulk-insert path, a hit in the compiled-statement cache)."""
    table = InboundEvent.__table__
    return (insert(table)
            .on_conflict_do_nothing(index_elements=["channel", "account", "external_id"])
            .returning(table.c.id))


_STORE = {True: _store_statement(postgresql_insert), False: _store_statement(sqlite_insert)}


def store_event(
    session: Session, *, channel: str, account: str, key: str, is_status: bool, req: RawRequest
) -> tuple[int, bool]:
    """Insert the raw event; return (event id, created). A duplicate returns the stored id.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and SQLite): no
    savepoint, and a duplicate costs one more ``SELECT`` only.
    """
    statement = _STORE[is_postgresql(session)]
    params = {
        "channel": channel, "account": account, "external_id": key, "is_status": is_status,
        "method": req.method, "url": req.url, "headers": dict(req.headers),
        "form": [list(pair) for pair in req.form], "query": [list(pair) for pair in req.query],
        "body": req.body,
    }  # state, attempts, error, received_at: the columns' defaults
    event_id = session.scalar(statement, params)
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
    wake_after_commit(session, INTAKE)
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


def stale_event_ids(
    session: Session, *, older_than: timedelta, limit: int = 500
) -> tuple[list[int], list[int]]:
    """Events stored but not processed for a while: Redis lost them or a worker died.
    Returns (never tried: for the batch, tried and failed: for their own retry jobs)."""
    cutoff = utcnow() - older_than
    query = (
        select(InboundEvent.id, InboundEvent.attempts)
        .where(IS_PENDING, InboundEvent.received_at < cutoff)
        .order_by(InboundEvent.id)
        .limit(limit)
    )
    rows = session.execute(query).all()
    return [i for i, tries in rows if not tries], [i for i, tries in rows if tries]


def claim_pending(session: Session, *, limit: int) -> list[InboundEvent]:
    """Lock up to ``limit`` pending, never-tried events, oldest first, skipping those another
    transaction holds: concurrent batches never get the same event. An event that failed
    once (``attempts`` > 0) is left to its own retry job, so a poison event cannot fail
    batch after batch."""
    query = (
        select(InboundEvent)
        .where(IS_PENDING, InboundEvent.attempts == 0)
        .order_by(InboundEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def has_unclaimed(session: Session) -> bool:
    """Whether some pending, never-tried event is waiting for a batch."""
    query = select(InboundEvent.id).where(IS_PENDING, InboundEvent.attempts == 0).limit(1)
    return session.scalar(query) is not None


@contextmanager
def claims_in_turn(session: Session) -> Iterator[None]:
    """One claimer at a time, from its claim to its thread locks (PostgreSQL; SQLite has
    one writer anyway). With ``lock_threads`` this keeps one conversation's events in
    order across concurrent batches: a later batch waits for the thread locks of an
    earlier one. A session-level lock: released here, or with the connection on error."""
    if not is_postgresql(session):
        yield
        return
    connection = session.connection()
    connection.execute(select(func.pg_advisory_lock(CLAIM_LOCK)))
    try:
        yield
    finally:
        try:
            connection.execute(select(func.pg_advisory_unlock(CLAIM_LOCK)))
        except Exception:
            connection.invalidate()  # closing the connection releases the lock
            raise


def thread_lock_number(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                          signed=True)


def lock_threads(session: Session, keys: Iterable[str]) -> None:
    """Hold the conversation threads ``keys`` until commit (PostgreSQL advisory locks):
    one thread's events are applied by one transaction at a time, and a new thread's
    conversation is opened once."""
    numbers = sorted({thread_lock_number(key) for key in keys})
    if numbers and is_postgresql(session):
        session.execute(text("SELECT count(pg_advisory_xact_lock(k)) "
                             "FROM unnest(CAST(:keys AS bigint[])) AS k"), {"keys": numbers})
