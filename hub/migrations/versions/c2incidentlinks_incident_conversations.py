"""inbox: conversations linked to incidents (``incident_conversations``)

Revision ID: c2incidentlinks
Revises: c1mailhtml
Create Date: 2026-11-26 14:10:00

Hand-written; runs on PostgreSQL and SQLite. Depends on the forum hub's revision, which
creates ``incidents``.
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "c2incidentlinks"
down_revision = "c1mailhtml"
branch_labels = None
depends_on = "b1forumhub"


def upgrade() -> None:
    op.create_table(
        "incident_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name="fk_incident_conversations_incident_id_incidents"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_incident_conversations_conversation_id_conversations"),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"],
                                name="fk_incident_conversations_linked_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_incident_conversations"),
        sa.UniqueConstraint("incident_id", "conversation_id",
                            name="uq_incident_conversations_incident_id_conversation_id"),
    )
    op.create_index("ix_incident_conversations_conversation_id", "incident_conversations",
                    ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_conversations_conversation_id",
                  table_name="incident_conversations")
    op.drop_table("incident_conversations")
