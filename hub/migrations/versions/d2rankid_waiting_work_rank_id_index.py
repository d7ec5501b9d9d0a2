"""waiting work is read in routing order from one index, ties included

Revision ID: d2rankid
Revises: d1pending (and depends on a4routing)
Create Date: 2026-11-27 09:05:00

Hand-written; runs on PostgreSQL and SQLite. A routing pass locks the best-ranked waiting
items of a queue: ``WHERE queue_id = … AND state = 'queued' ORDER BY rank_at, id LIMIT n
FOR UPDATE SKIP LOCKED``. The index on (queue_id, state, rank_at) left the id tie-break
to a sort of every waiting item of equal rank; with a backlog arrived at once (an
incident, an import, the routing bench's 10,000 items) that was all of them: 5 to 10 ms
a pass, under the queue's locks. With id as the index's last column the scan stops at
the pass's LIMIT (0.1 ms). Built CONCURRENTLY on PostgreSQL.
"""
from alembic import op

revision = "d2rankid"
down_revision = "d1pending"
branch_labels = None
depends_on = "a4routing"  # it made the index this one replaces

COLUMNS = ["queue_id", "state", "rank_at", "id"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index("ix_work_items_queue_state_rank_id", "work_items", COLUMNS,
                            postgresql_concurrently=True, if_not_exists=True)
            op.drop_index("ix_work_items_queue_state_rank", table_name="work_items",
                          postgresql_concurrently=True, if_exists=True)
        return
    op.create_index("ix_work_items_queue_state_rank_id", "work_items", COLUMNS)
    op.drop_index("ix_work_items_queue_state_rank", table_name="work_items")


def downgrade() -> None:
    op.create_index("ix_work_items_queue_state_rank", "work_items",
                    ["queue_id", "state", "rank_at"])
    op.drop_index("ix_work_items_queue_state_rank_id", table_name="work_items")
