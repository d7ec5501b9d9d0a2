"""email replies: the subject the advisor wrote and the message quoted (``deliveries``)

Revision ID: c3mailreply
Revises: c2incidentlinks
Create Date: 2026-11-26 14:20:00

Hand-written; runs on PostgreSQL and SQLite (batch_alter_table: the foreign key makes
SQLite rebuild ``deliveries``, which has no trigger to lose).
"""
from alembic import op
import sqlalchemy as sa

revision = "c3mailreply"
down_revision = "c2incidentlinks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=300), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("quote_interaction_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_deliveries_quote_interaction_id_interactions",
                                 "interactions", ["quote_interaction_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("fk_deliveries_quote_interaction_id_interactions",
                              type_="foreignkey")
        batch.drop_column("quote_interaction_id")
        batch.drop_column("subject")
