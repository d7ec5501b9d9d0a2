"""email: the sanitized HTML part of inbound mail (``interactions.html``)

Revision ID: c1mailhtml
Revises: 0cee704d1740
Create Date: 2026-11-26 14:00:00

Hand-written; runs on PostgreSQL and SQLite. A plain ``ADD COLUMN`` (no batch rebuild),
so SQLite keeps the ``interactions_fts`` triggers of ``a1timeline``.
"""
from alembic import op
import sqlalchemy as sa

revision = "c1mailhtml"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = "a1timeline"


def upgrade() -> None:
    op.add_column("interactions", sa.Column("html", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place; a batch rebuild would lose the FTS triggers
    op.execute("ALTER TABLE interactions DROP COLUMN html")
