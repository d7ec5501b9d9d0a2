"""After-commit effects run once the outermost transaction commits, never before."""

from __future__ import annotations

from sqlalchemy import text

from hub.db import after_commit, transaction


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
