"""After-commit effects run once the outermost transaction commits, never before; pooled
PostgreSQL connections that died while idle are replaced before use."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

import hub.db
from hub.db import after_commit, make_engine, transaction
from tests.conftest import DATABASE_URL


def test_an_effect_waits_for_the_outer_commit_not_for_a_released_savepoint(services):
    ran: list[str] = []
    with transaction(services.sessions) as session:
        after_commit(session, lambda: ran.append("pushed"))
        with session.begin_nested():  # e.g. the next event of an intake batch
            session.execute(text("SELECT 1"))
        assert ran == []  # RELEASE SAVEPOINT commits nothing
    assert ran == ["pushed"]


def test_an_effect_is_dropped_when_the_transaction_rolls_back(services):
    ran: list[str] = []
    try:
        with transaction(services.sessions) as session:
            after_commit(session, lambda: ran.append("pushed"))
            with session.begin_nested():
                session.execute(text("SELECT 1"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert ran == []


def _backend_pid_then_kill(engine) -> int:
    """Check a connection out and back in, then terminate its server process."""
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    admin = make_engine(DATABASE_URL, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    return int(pid)


@pytest.fixture
def pg_engine(migrated_database):
    if not DATABASE_URL.startswith("postgresql"):
        pytest.skip("PostgreSQL pool behaviour")
    engine = make_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(pg_engine, monkeypatch):
    monkeypatch.setattr(hub.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    dead = _backend_pid_then_kill(pg_engine)
    with pg_engine.connect() as conn:  # pinged, found dead, replaced: no error
        assert conn.scalar(text("SELECT pg_backend_pid()")) != dead


def test_a_busy_connection_is_not_pinged_and_a_dead_one_fails_once(pg_engine, monkeypatch):
    """Within the idle window no ping is sent (the point: a webhook costs one round trip
    less); a connection killed in that window fails one statement, and the pool drops it."""
    monkeypatch.setattr(hub.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    dead = _backend_pid_then_kill(pg_engine)
    with pytest.raises(OperationalError), pg_engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with pg_engine.connect() as conn:
        assert conn.scalar(text("SELECT pg_backend_pid()")) != dead
