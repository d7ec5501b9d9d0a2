"""forum_topics.version: bumped by every write to a topic or its posts (the key of the
rendered-post fragment cache, hub/forum/fragments.py)

Revision ID: b5forumcache
Revises: b1forumhub2
Create Date: 2026-11-26 13:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = "b5forumcache"
down_revision = "b1forumhub2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("forum_topics", sa.Column("version", sa.Integer(), nullable=False,
                                            server_default="0"))


def downgrade() -> None:
    op.drop_column("forum_topics", "version")
