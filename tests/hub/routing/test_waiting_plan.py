"""A routing pass reads a queue's waiting work in index order and stops at its limit,
even when the whole backlog arrived at the same instant (migration d2rankid)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from hub.db import transaction, utcnow
from hub.routing.batch import waiting_statement
from hub.routing.models import WorkItem
from hub.routing.service import default_queue
from hub.timeline.models import Conversation
from tests.conftest import DATABASE_URL
from tests.hub.routing.builders import customer

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"),
                                reason="PostgreSQL plans")


def test_a_backlog_of_equal_rank_is_read_without_sorting_it(services):
    now = utcnow()
    with transaction(services.sessions) as session:
        queue_id = default_queue(session).id
        who = customer(session).id
        threads = session.scalars(insert(Conversation).returning(Conversation.id), [
            {"customer_id": who, "channel": "twilio_sms", "account": "demo",
             "thread_key": f"t{n}", "customer_address": f"+3361000{n:04d}"}
            for n in range(3000)]).all()
        session.execute(insert(WorkItem), [
            {"conversation_id": c, "queue_id": queue_id, "customer_id": who,
             "channel_kind": "sms", "rank_at": now, "created_at": now, "updated_at": now}
            for c in threads])  # an incident: 3,000 items, one arrival instant
    with transaction(services.sessions) as session:
        session.execute(text("ANALYZE work_items"))
    statement = waiting_statement({queue_id: {"async"}}, 50)
    sql = statement.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True})
    with transaction(services.sessions) as session:
        plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
        first = session.scalars(statement).all()
    assert "ix_work_items_queue_state_rank_id" in plan, plan
    assert "Sort" not in plan, plan
    assert [i.conversation_id for i in first] == threads[:50]
