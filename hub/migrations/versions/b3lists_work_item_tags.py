"""inbox lists: tags on work items

Revision ID: b3lists
Revises: 0cee704d1740
Create Date: 2026-11-26 11:00:00

Hand-written; runs on PostgreSQL and SQLite (a column add through batch_alter_table).
An advisor tags the work they handle from the inbox (``PUT /api/v1/work-items/<id>/tags``).
"""
from alembic import op
import sqlalchemy as sa

revision = "b3lists"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("tags")
