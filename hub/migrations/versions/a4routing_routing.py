"""routing: skills, rules, capacity profiles, priorities, SLA, transfers, wrap-up codes

Revision ID: a4routing
Revises: 0cee704d1740
Create Date: 2026-11-27 10:00:00

Hand-written; runs on PostgreSQL and SQLite (column adds through batch_alter_table).
Existing work items get ``rank_at = created_at`` and their conversation's customer.
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "a4routing"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None

TS = hub.db.UTCDateTime(timezone=True)


def _json(name: str, default: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), server_default=default, nullable=False)


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("capacity", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(_json("skills", "{}"))
        batch.add_column(_json("languages", "[]"))
        batch.add_column(sa.Column("capacity", sa.JSON(), nullable=True))
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("description", sa.String(300), server_default="",
                                   nullable=False))
        batch.add_column(_json("required_skills", "{}"))
        batch.add_column(_json("languages", "[]"))
        batch.add_column(_json("sla_targets", "[]"))
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), server_default="route",
                                   nullable=False))
        batch.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("auto_accepted", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.create_index("ix_offers_user_answered", ["user_id", "answered_at"])
    _work_items()


def _create_tables() -> None:
    op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_skills"),
        sa.UniqueConstraint("name", name="uq_skills_name"),
    )
    op.create_table(
        "wrap_up_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wrap_up_codes"),
        sa.UniqueConstraint("code", name="uq_wrap_up_codes_code"),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"],
                                name="fk_routing_rules_queue_id_queues"),
        sa.PrimaryKeyConstraint("id", name="pk_routing_rules"),
    )
    op.create_index("ix_routing_rules_queue_id", "routing_rules", ["queue_id"])
    op.create_table(
        "work_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_queue_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"],
                                name="fk_work_transfers_work_item_id_work_items"),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"],
                                name="fk_work_transfers_by_user_id_users"),
        sa.ForeignKeyConstraint(["from_user_id"], ["users.id"],
                                name="fk_work_transfers_from_user_id_users"),
        sa.ForeignKeyConstraint(["to_queue_id"], ["queues.id"],
                                name="fk_work_transfers_to_queue_id_queues"),
        sa.ForeignKeyConstraint(["to_user_id"], ["users.id"],
                                name="fk_work_transfers_to_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_work_transfers"),
    )
    op.create_index("ix_work_transfers_work_item_id", "work_transfers", ["work_item_id"])


def _work_items() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("channel_kind", sa.String(12), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("language", sa.String(5), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("rank_at", TS, nullable=True))
        batch.add_column(_json("attributes", "{}"))
        batch.add_column(sa.Column("sla_state", sa.String(10), server_default="none",
                                   nullable=False))
        for name in ("sla_warn_at", "sla_due_at", "first_response_at", "held_at",
                     "closed_at"):
            batch.add_column(sa.Column(name, TS, nullable=True))
        batch.add_column(sa.Column("wrap_up_code", sa.String(40), nullable=True))
        batch.add_column(sa.Column("wrap_up_note", sa.Text(), server_default="",
                                   nullable=False))
    op.execute("UPDATE work_items SET rank_at = created_at")
    op.execute(
        "UPDATE work_items SET customer_id = (SELECT conversations.customer_id "
        "FROM conversations WHERE conversations.id = work_items.conversation_id)"
    )
    with op.batch_alter_table("work_items") as batch:
        batch.alter_column("rank_at", existing_type=TS, nullable=False)
        batch.create_foreign_key("fk_work_items_customer_id_customers", "customers",
                                 ["customer_id"], ["id"])
        batch.create_index("ix_work_items_queue_state_rank", ["queue_id", "state", "rank_at"])
        batch.create_index("ix_work_items_customer", ["customer_id", "id"])
        batch.create_index("ix_work_items_sla", ["sla_state", "sla_warn_at"])


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_index("ix_work_items_sla")
        batch.drop_index("ix_work_items_customer")
        batch.drop_index("ix_work_items_queue_state_rank")
        batch.drop_constraint("fk_work_items_customer_id_customers", type_="foreignkey")
        for name in ("wrap_up_note", "wrap_up_code", "closed_at", "held_at",
                     "first_response_at", "sla_due_at", "sla_warn_at", "sla_state",
                     "attributes", "rank_at", "priority", "language", "channel_kind",
                     "customer_id"):
            batch.drop_column(name)
    with op.batch_alter_table("offers") as batch:
        batch.drop_index("ix_offers_user_answered")
        for name in ("auto_accepted", "note", "kind"):
            batch.drop_column(name)
    with op.batch_alter_table("queues") as batch:
        for name in ("sla_targets", "languages", "required_skills", "description"):
            batch.drop_column(name)
    with op.batch_alter_table("users") as batch:
        for name in ("capacity", "languages", "skills"):
            batch.drop_column(name)
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("capacity")
    op.drop_table("work_transfers")
    op.drop_table("routing_rules")
    op.drop_table("wrap_up_codes")
    op.drop_table("skills")
