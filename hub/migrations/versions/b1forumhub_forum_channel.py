"""forum as a channel of the hub: unanswered-delay watches, private cases, private
messages, topic views; incidents and their updates

Revision ID: b1forumhub
Revises: 0cee704d1740
Create Date: 2026-11-26 11:00:00

Hand-written; runs on PostgreSQL and SQLite. Depends on the forum revision (a5forum),
whose tables it refers to; ``b1forumhub2`` (after it, and after a4routing) inserts the
"forum" queue and its rule. Alembic accepts one ``depends_on`` per revision here: two
on a branch from the initial revision break its head bookkeeping.
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "b1forumhub"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = "a5forum"

TS = hub.db.UTCDateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, target: str):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    _forum_tables()
    _incident_tables()
    op.add_column("forum_topics", sa.Column("view_count", sa.Integer(), nullable=False,
                                            server_default="0"))
    op.add_column("forum_topics", sa.Column("announcement", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))


def _forum_tables() -> None:
    op.create_table(
        "forum_watches", _id(),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("delay_reason", sa.String(12), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forum_watches"),
        sa.UniqueConstraint("topic_id", name="uq_forum_watches_topic_id"),
        _fk("forum_watches", "topic_id", "forum_topics"),
        _fk("forum_watches", "work_item_id", "work_items"),
    )
    op.create_index("ix_forum_watches_state_due", "forum_watches", ["state", "due_at"])
    op.create_table(
        "forum_escalations", _id(),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_escalations"),
        sa.UniqueConstraint("conversation_id", name="uq_forum_escalations_conversation_id"),
        _fk("forum_escalations", "topic_id", "forum_topics"),
        _fk("forum_escalations", "member_id", "forum_members"),
        _fk("forum_escalations", "conversation_id", "conversations"),
        _fk("forum_escalations", "advisor_id", "users"),
    )
    op.create_index("ix_forum_escalations_topic_id", "forum_escalations", ["topic_id"])
    op.create_index("ix_forum_escalations_member_id", "forum_escalations", ["member_id"])
    op.create_table(
        "forum_private_messages", _id(),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_member", sa.Boolean(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forum_private_messages"),
        _fk("forum_private_messages", "escalation_id", "forum_escalations"),
        _fk("forum_private_messages", "member_id", "forum_members"),
        _fk("forum_private_messages", "advisor_id", "users"),
        _fk("forum_private_messages", "interaction_id", "interactions"),
    )
    op.create_index("ix_forum_private_messages_escalation_id", "forum_private_messages",
                    ["escalation_id"])
    op.create_index("ix_forum_private_messages_member", "forum_private_messages",
                    ["member_id", "id"])


def _incident_tables() -> None:
    op.create_table(
        "incidents", _id(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("announcement_topic_id", sa.Integer(), nullable=True),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        _fk("incidents", "announcement_topic_id", "forum_topics"),
        _fk("incidents", "declared_by_id", "users"),
    )
    op.create_table(
        "incident_updates", _id(),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_updates"),
        _fk("incident_updates", "incident_id", "incidents"),
        _fk("incident_updates", "author_id", "users"),
    )
    op.create_index("ix_incident_updates_incident_id", "incident_updates", ["incident_id"])
    op.create_table(
        "incident_topics", _id(),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_topics"),
        sa.UniqueConstraint("incident_id", "topic_id",
                            name="uq_incident_topics_incident_id_topic_id"),
        _fk("incident_topics", "incident_id", "incidents"),
        _fk("incident_topics", "topic_id", "forum_topics"),
    )
    op.create_index("ix_incident_topics_topic_id", "incident_topics", ["topic_id"])


def downgrade() -> None:
    op.drop_column("forum_topics", "announcement")
    op.drop_column("forum_topics", "view_count")
    for table in ("incident_topics", "incident_updates", "incidents",
                  "forum_private_messages", "forum_escalations", "forum_watches"):
        op.drop_table(table)
