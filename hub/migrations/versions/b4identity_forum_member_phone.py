"""forum members' verified phone (identity resolution: a forum member is linked to the
customer who has their verified email or phone)

Hand-written; runs on PostgreSQL and SQLite (column adds in batch mode). Depends on the
forum's revision, which creates ``forum_members``.

Revision ID: b4identity
Revises: 0cee704d1740
Create Date: 2026-11-26 11:00:00
"""
from alembic import op
import sqlalchemy as sa

import hub.db


revision = "b4identity"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = "a5forum"


def upgrade() -> None:
    with op.batch_alter_table("forum_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("phone_verified_at",
                                      hub.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forum_members", schema=None) as batch_op:
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone")
