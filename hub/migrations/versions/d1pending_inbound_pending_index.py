"""inbound events waiting to be processed are found through a partial index

Revision ID: d1pending
Revises: 0cee704d1740
Create Date: 2026-11-27 08:40:00

Hand-written; runs on PostgreSQL and SQLite. The intake claims pending events oldest
first (``ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED``) and the sweep looks for stale
ones. The index on (state, received_at) held every event ever received, and each event
leaves a dead 'pending' entry behind when it is processed until VACUUM reaches it: a
claim read thousands of them (3 ms for none found after 5,000 webhooks). An index on id
of the pending events alone is read in claim order and stays the size of the backlog.
On PostgreSQL it is built CONCURRENTLY: webhooks keep being stored meanwhile.
"""
from alembic import op
import sqlalchemy as sa

revision = "d1pending"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index("ix_inbound_events_pending", "inbound_events", ["id"],
                            postgresql_where=PENDING, postgresql_concurrently=True,
                            if_not_exists=True)
            op.drop_index("ix_inbound_events_state_received", table_name="inbound_events",
                          postgresql_concurrently=True, if_exists=True)
        return
    op.create_index("ix_inbound_events_pending", "inbound_events", ["id"],
                    sqlite_where=PENDING)
    op.drop_index("ix_inbound_events_state_received", table_name="inbound_events")


def downgrade() -> None:
    op.create_index("ix_inbound_events_state_received", "inbound_events",
                    ["state", "received_at"])
    op.drop_index("ix_inbound_events_pending", table_name="inbound_events")
