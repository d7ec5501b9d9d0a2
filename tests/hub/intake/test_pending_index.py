"""The intake's claim and the sweep read the backlog through its partial index, not the
whole history of inbound events (migration d1pending)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from hub.db import transaction, utcnow
from hub.intake.models import EventState, InboundEvent
from hub.intake.service import IS_PENDING, claim_pending
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"),
                                reason="PostgreSQL plans")


def _event(n: int, state: str) -> dict:
    return {"channel": "twilio_sms", "account": "demo", "external_id": f"SM{n:032d}",
            "is_status": False, "method": "POST", "url": "https://hub.example.test/hooks",
            "headers": {}, "form": [], "query": [], "body": b"", "state": state,
            "attempts": 0, "error": "", "received_at": utcnow()}


def test_the_claim_reads_the_pending_index_even_in_a_generic_plan(services):
    with transaction(services.sessions) as session:
        session.execute(insert(InboundEvent), [_event(n, EventState.PROCESSED)
                                               for n in range(3000)])
        session.execute(insert(InboundEvent), [_event(n, EventState.PENDING)
                                               for n in range(3000, 3005)])
    with transaction(services.sessions) as session:
        session.execute(text("ANALYZE inbound_events"))
    # 'pending' is written into the statement: a prepared statement's generic plan can
    # prove the index predicate only from what the SQL itself says
    assert "'pending'" in str(IS_PENDING.compile(dialect=postgresql.dialect()))
    with transaction(services.sessions) as session:
        session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        session.execute(text(
            "PREPARE claim_probe(int) AS SELECT id FROM inbound_events "
            f"WHERE {IS_PENDING.compile(dialect=postgresql.dialect())} AND attempts = 0 "
            "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"))
        plan = "\n".join(session.scalars(text("EXPLAIN EXECUTE claim_probe(50)")))
        session.execute(text("DEALLOCATE claim_probe"))
        assert "ix_inbound_events_pending" in plan, plan
        claimed = claim_pending(session, limit=50)
    assert [e.external_id for e in claimed] == [f"SM{n:032d}" for n in range(3000, 3005)]
