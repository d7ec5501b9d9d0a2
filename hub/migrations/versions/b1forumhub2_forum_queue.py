"""the "forum" queue and the routing rule channel=forum -> forum (data)

Revision ID: b1forumhub2
Revises: b1forumhub
Create Date: 2026-11-26 11:00:00

Rules are data: inserted here when missing (hub/forum/defaults.py:ensure_forum_queue does
the same for emptied databases). Runs after the routing revision, which makes the rules
table.
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "b1forumhub2"
down_revision = "b1forumhub"
branch_labels = None
depends_on = "a4routing"

TS = hub.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    _forum_queue()


def _forum_queue() -> None:
    bind = op.get_bind()
    queues = sa.table("queues", sa.column("id", sa.Integer()), sa.column("name", sa.String()),
                      sa.column("is_default", sa.Boolean()),
                      sa.column("description", sa.String()))
    rules = sa.table("routing_rules", sa.column("name", sa.String()),
                     sa.column("position", sa.Integer()), sa.column("enabled", sa.Boolean()),
                     sa.column("conditions", sa.JSON()), sa.column("queue_id", sa.Integer()),
                     sa.column("priority", sa.Integer()), sa.column("created_at", TS),
                     sa.column("updated_at", TS))
    queue_id = bind.scalar(sa.select(queues.c.id).where(queues.c.name == "forum"))
    if queue_id is None:
        bind.execute(queues.insert().values(
            name="forum", is_default=False,
            description="Forum questions the community left unanswered"))
        queue_id = bind.scalar(sa.select(queues.c.id).where(queues.c.name == "forum"))
    has_rule = bind.scalar(sa.select(sa.func.count()).select_from(rules)
                           .where(rules.c.queue_id == queue_id))
    if not has_rule:
        now = hub.db.utcnow()
        bind.execute(rules.insert().values(
            name="Forum questions", position=5, enabled=True,
            conditions={"channels": ["forum"]}, queue_id=queue_id, priority=0,
            created_at=now, updated_at=now))


def downgrade() -> None:
    bind = op.get_bind()
    rules = sa.table("routing_rules", sa.column("name", sa.String()))
    bind.execute(rules.delete().where(rules.c.name == "Forum questions"))
