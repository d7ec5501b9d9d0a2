"""attachments keep the file name the customer gave (email attachments)

Revision ID: c4mailfiles
Revises: c3mailreply
Create Date: 2026-11-26 17:20:00

Hand-written; runs on PostgreSQL and SQLite (a plain added column with a default).
"""
from alembic import op
import sqlalchemy as sa

revision = "c4mailfiles"
down_revision = "c3mailreply"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("filename", sa.String(length=255), server_default="",
                                           nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("filename")
