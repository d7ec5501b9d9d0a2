"""inbox: private notes on conversations, canned responses

Revision ID: b2inbox
Revises: 0cee704d1740
Create Date: 2026-11-26 10:50:00

Hand-written; runs on PostgreSQL and SQLite.
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "b2inbox"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None

TS = hub.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        _fk("notes", "conversation_id", "conversations"),
        _fk("notes", "customer_id", "customers"),
        _fk("notes", "author_user_id", "users", "SET NULL"),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id"])
    op.create_index("ix_notes_customer_id", "notes", ["customer_id"])
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(40), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_responses"),
        sa.UniqueConstraint("shortcut", name="uq_canned_responses_shortcut"),
        _fk("canned_responses", "created_by_user_id", "users", "SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("canned_responses")
    op.drop_index("ix_notes_customer_id", table_name="notes")
    op.drop_index("ix_notes_conversation_id", table_name="notes")
    op.drop_table("notes")
