"""customer merges, merge suggestions, erasure marker and the audit log

``customers`` gains ``name_key`` (the comparison key of the display name, back-filled
here with the same rule as ``hub/customers/names.py``), ``merged_into_id`` (a merged
customer's tombstone points at the survivor) and ``erased_at``. New tables:
``customer_merges`` (which rows each merge moved, so it can be undone),
``merge_suggestions`` (probable matches and the advisors' decisions) and
``audit_entries``.

Hand-written; runs on PostgreSQL and SQLite (column adds in batch mode).

Revision ID: a3merge
Revises: 0cee704d1740
Create Date: 2026-11-27 11:00:00
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa

import hub.db


revision = "a3merge"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", hub.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key("fk_customers_merged_into_id_customers", "customers",
                                    ["merged_into_id"], ["id"])
        batch_op.create_index("ix_customers_name_key", ["name_key"], unique=False)
        batch_op.create_index("ix_customers_merged_into_id", ["merged_into_id"], unique=False)
    _backfill_name_keys()
    _create_customer_merges()
    _create_merge_suggestions()
    _create_audit_entries()


def _create_customer_merges() -> None:
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["survivor_id"], ["customers.id"],
                                name="fk_customer_merges_survivor_id_customers"),
        sa.ForeignKeyConstraint(["merged_id"], ["customers.id"],
                                name="fk_customer_merges_merged_id_customers"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_customer_merges_actor_user_id_users"),
        sa.ForeignKeyConstraint(["undone_by_user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_customer_merges_undone_by_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_customer_merges"),
    )
    with op.batch_alter_table("customer_merges", schema=None) as batch_op:
        batch_op.create_index("ix_customer_merges_survivor_id", ["survivor_id"], unique=False)
        batch_op.create_index("ix_customer_merges_merged_id", ["merged_id"], unique=False)


def _create_merge_suggestions() -> None:
    op.create_table(
        "merge_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["low_id"], ["customers.id"],
                                name="fk_merge_suggestions_low_id_customers"),
        sa.ForeignKeyConstraint(["high_id"], ["customers.id"],
                                name="fk_merge_suggestions_high_id_customers"),
        sa.ForeignKeyConstraint(["decided_by_user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_merge_suggestions_decided_by_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_merge_suggestions"),
        sa.UniqueConstraint("low_id", "high_id", name="uq_merge_suggestions_low_id_high_id"),
    )
    with op.batch_alter_table("merge_suggestions", schema=None) as batch_op:
        batch_op.create_index("ix_merge_suggestions_high_id", ["high_id"], unique=False)


def _create_audit_entries() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_audit_entries_actor_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_actor_user_id", ["actor_user_id"], unique=False)
        batch_op.create_index("ix_audit_entries_action", ["action"], unique=False)
        batch_op.create_index("ix_audit_entries_subject",
                              ["subject_type", "subject_id", "id"], unique=False)


_WORD = re.compile(r"[^\W_]+")


def _name_key(name: str) -> str:
    """Frozen copy of hub.customers.names.name_key as it was when this migration was
    written (a migration must not change when the application code does)."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = sorted(_WORD.findall(plain))
    if not any(c.isalpha() for c in "".join(words)):
        return ""
    return " ".join(words)[:200]


def _backfill_name_keys() -> None:
    customers = sa.table("customers", sa.column("id", sa.Integer()),
                         sa.column("display_name", sa.String()),
                         sa.column("name_key", sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(customers.c.id, customers.c.display_name)).all()
    for row in rows:
        key = _name_key(row.display_name)
        if key:
            bind.execute(customers.update().where(customers.c.id == row.id)
                         .values(name_key=key))


def downgrade() -> None:
    op.drop_table("audit_entries")
    op.drop_table("merge_suggestions")
    op.drop_table("customer_merges")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_merged_into_id")
        batch_op.drop_index("ix_customers_name_key")
        batch_op.drop_constraint("fk_customers_merged_into_id_customers", type_="foreignkey")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("name_key")
