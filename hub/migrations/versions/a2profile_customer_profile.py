"""customer profile and account history: devices and past cases

Adds the profile columns to ``customers`` (preferred channel, consent flags, tags, VIP
level, notes) with server defaults, so existing rows get values, and ``vip_level`` = 1 for
customers flagged ``vip`` (the ``vip`` column stays, equal to ``vip_level > 0``). Creates
``account_devices`` and ``account_cases``, read by the SQL account provider.

Hand-written; runs on PostgreSQL and SQLite (only column adds on ``customers``, which
SQLite does without rebuilding the table).

Revision ID: a2profile
Revises: 0cee704d1740
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a2profile"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None

PROFILE_COLUMNS = ("preferred_channel", "consent_sms", "consent_email", "tags", "vip_level",
                   "notes")


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("consent_sms", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("consent_email", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("vip_level", sa.SmallInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
    customers = sa.table("customers", sa.column("vip", sa.Boolean()),
                         sa.column("vip_level", sa.SmallInteger()))
    op.execute(customers.update().where(customers.c.vip.is_(True)).values(vip_level=1))
    _account_table(
        "account_devices",
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("imei", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
    )
    _account_table(
        "account_cases",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
    )


def _account_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=f"fk_{name}_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f"ix_{name}_customer_id", ["customer_id"], unique=False)


def downgrade() -> None:
    for name in ("account_cases", "account_devices"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_customer_id")
        op.drop_table(name)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in reversed(PROFILE_COLUMNS):
            batch_op.drop_column(column)
