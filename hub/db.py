"""Engine, sessions, the declarative base and the after-commit side-effect helpers.

Nothing enqueues a job or emits to a socket before the transaction that justifies it
has committed: services call ``enqueue_after_commit``; the session runs the effect once
the commit succeeded and drops it on rollback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hub.pg_statements import cache_long_statements

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on PostgreSQL and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session, model: Any) -> PostgresqlInsert | SqliteInsert:
    """An ``INSERT`` with the dialect's ``on_conflict_do_nothing`` (PostgreSQL, SQLite)."""
    return postgresql_insert(model) if is_postgresql(session) else sqlite_insert(model)


Effect = Callable[[], None]


@dataclass
class Effects:
    """How after-commit effects reach the outside world; set by the composition root."""

    enqueue: Callable[..., None] = lambda *a, **k: None
    emit: Callable[[dict[str, Any]], None] = lambda message: None
    # many messages in one go (one Redis round trip); None: ``emit`` one by one
    emit_many: Callable[[list[dict[str, Any]]], None] | None = None
    wake: Callable[[str], bool] = lambda batch: False  # coalesced batch jobs (intake)
    extras: dict[str, Any] = field(default_factory=dict)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.pop("pool_size", None)  # SQLite: SQLAlchemy's own pool for file databases
        kwargs.pop("max_overflow", None)
        kwargs.pop("pool_timeout", None)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("connect_args", {"connect_timeout": 2})
    if url.startswith("postgresql+psycopg"):
        cache_long_statements()
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkin", _checked_in)
        event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Callable[[Any, Any, Any], None]:
    """Ping a pooled connection before use only if it sat idle for a while (PostgreSQL
    restarted, a proxy dropped it): a busy process reuses its connections within
    milliseconds, and a ping on every checkout (``pool_pre_ping``) was a fifth of a
    webhook's time. A connection that dies while in use fails that one transaction, and
    SQLAlchemy then drops every pooled connection older than it."""
    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"pooled connection is gone: {error}") from error
        if not alive:
            raise DisconnectionError("pooled connection is gone")
    return checkout


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine, effects: Effects) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, info={"effects": effects})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def effects_of(session: Session) -> Effects:
    return session.info["effects"]


def after_commit(session: Session, effect: Effect) -> None:
    session.info.setdefault("pending_effects", []).append(effect)


def last_effect(session: Session) -> Effect | None:
    """The after-commit effect registered last in this transaction (to extend it)."""
    pending = session.info.get("pending_effects")
    return pending[-1] if pending else None


def enqueue_after_commit(session: Session, func: str, *args: Any, job_id: str, **opts: Any) -> None:
    """Queue ``func`` (a dotted name) once the transaction commits."""
    effects = effects_of(session)
    after_commit(session, lambda: effects.enqueue(func, *args, job_id=job_id, **opts))


def wake_key(batch: str) -> str:
    """Set while a run of the batch job ``batch`` is queued and has not started yet."""
    return f"entraide:wake:{batch}"


def wake_after_commit(session: Session, batch: str) -> None:
    """Make sure the batch job ``batch`` (e.g. "intake") runs once the transaction commits.

    Coalesced: many commits between two runs queue one job, which claims what is stored
    in the database (the database, not Redis, says what is left to do)."""
    effects = effects_of(session)
    after_commit(session, lambda: effects.wake(batch))


@event.listens_for(Session, "after_commit")
def _run_effects(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy fires after_commit on RELEASE SAVEPOINT too: nothing is committed yet
        # (an offer pushed then would reach the advisor before its row exists).
        return
    pending: list[Effect] = session.info.pop("pending_effects", [])
    for effect in pending:
        try:
            effect()
        except Exception:  # noqa: BLE001 - the data is committed; sweeps recover the effect
            log.exception("after-commit effect failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_effects(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("pending_effects", None)
