"""forum: categories, members, topics, posts, votes, reputation, moderation

Revision ID: a5forum
Revises: 0cee704d1740
Create Date: 2026-11-26 08:00:00

Hand-written; runs on PostgreSQL and SQLite. The categories and ranks are data, inserted
here (hub/forum/defaults.py holds the same rows for emptied databases).
"""
from alembic import op
import sqlalchemy as sa

import hub.db

revision = "a5forum"
down_revision = "0cee704d1740"
branch_labels = None
depends_on = None

TS = hub.db.UTCDateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "forum_categories", _id(),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name_fr", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("description_fr", sa.String(300), nullable=False),
        sa.Column("description_en", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_categories"),
        sa.UniqueConstraint("slug", name="uq_forum_categories_slug"),
    )
    op.create_table(
        "forum_members", _id(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("pseudonym_key", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("email_verified_at", TS, nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("bio", sa.String(500), nullable=False),
        sa.Column("reputation", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("banned_at", TS, nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_members"),
        sa.UniqueConstraint("email", name="uq_forum_members_email"),
        sa.UniqueConstraint("pseudonym_key", name="uq_forum_members_pseudonym_key"),
        _fk("forum_members", "customer_id", "customers"),
    )
    op.create_index("ix_forum_members_customer_id", "forum_members", ["customer_id"])
    op.create_table(
        "forum_tags", _id(),
        sa.Column("name", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_tags"),
        sa.UniqueConstraint("name", name="uq_forum_tags_name"),
    )
    op.create_table(
        "forum_topics", _id(),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(90), nullable=False),
        sa.Column("search_text", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("solution_post_id", sa.Integer(), nullable=True),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("kudos_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_activity_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_topics"),
        _fk("forum_topics", "category_id", "forum_categories"),
        _fk("forum_topics", "author_id", "forum_members"),
    )
    op.create_index("ix_forum_topics_author_id", "forum_topics", ["author_id"])
    op.create_index("ix_forum_topics_solution_post_id", "forum_topics", ["solution_post_id"])
    op.create_index("ix_forum_topics_category_activity", "forum_topics",
                    ["category_id", "status", "last_activity_at"])
    op.create_table(
        "forum_topic_tags",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic_id", "tag_id", name="pk_forum_topic_tags"),
        _fk("forum_topic_tags", "topic_id", "forum_topics", "CASCADE"),
        _fk("forum_topic_tags", "tag_id", "forum_tags", "CASCADE"),
    )
    op.create_table(
        "forum_posts", _id(),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("quote_of_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.Column("certified_by_id", sa.Integer(), nullable=True),
        sa.Column("certified_at", TS, nullable=True),
        sa.Column("kudos_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("edited_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forum_posts"),
        _fk("forum_posts", "topic_id", "forum_topics"),
        _fk("forum_posts", "author_id", "forum_members"),
        _fk("forum_posts", "advisor_id", "users"),
        _fk("forum_posts", "quote_of_id", "forum_posts"),
        _fk("forum_posts", "certified_by_id", "users"),
    )
    op.create_index("ix_forum_posts_author_id", "forum_posts", ["author_id"])
    op.create_index("ix_forum_posts_topic_id_id", "forum_posts", ["topic_id", "id"])
    op.create_table(
        "forum_post_revisions", _id(),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("edited_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_post_revisions"),
        _fk("forum_post_revisions", "post_id", "forum_posts"),
        _fk("forum_post_revisions", "edited_by_member_id", "forum_members"),
    )
    op.create_index("ix_forum_post_revisions_post_id", "forum_post_revisions", ["post_id"])
    op.create_table(
        "forum_kudos", _id(),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_kudos"),
        sa.UniqueConstraint("post_id", "member_id", name="uq_forum_kudos_post_id_member_id"),
        _fk("forum_kudos", "post_id", "forum_posts"),
        _fk("forum_kudos", "member_id", "forum_members"),
    )
    op.create_index("ix_forum_kudos_member_id", "forum_kudos", ["member_id"])
    ranks = op.create_table(
        "forum_ranks", _id(),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name_fr", sa.String(60), nullable=False),
        sa.Column("name_en", sa.String(60), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_ranks"),
        sa.UniqueConstraint("code", name="uq_forum_ranks_code"),
    )
    op.create_table(
        "forum_reputation_events", _id(),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_reputation_events"),
        _fk("forum_reputation_events", "member_id", "forum_members"),
        _fk("forum_reputation_events", "post_id", "forum_posts"),
    )
    op.create_index("ix_forum_reputation_events_member_id", "forum_reputation_events",
                    ["member_id"])
    op.create_index("ix_forum_reputation_events_created", "forum_reputation_events",
                    ["created_at", "member_id"])
    op.create_table(
        "forum_badge_awards", _id(),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("badge", sa.String(30), nullable=False),
        sa.Column("awarded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_badge_awards"),
        sa.UniqueConstraint("member_id", "badge", name="uq_forum_badge_awards_member_id_badge"),
        _fk("forum_badge_awards", "member_id", "forum_members"),
    )
    op.create_table(
        "forum_reports", _id(),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forum_reports"),
        _fk("forum_reports", "post_id", "forum_posts"),
        _fk("forum_reports", "reporter_id", "forum_members"),
    )
    op.create_index("ix_forum_reports_post_id", "forum_reports", ["post_id"])
    op.create_table(
        "forum_moderation_actions", _id(),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_member_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_moderation_actions"),
        _fk("forum_moderation_actions", "post_id", "forum_posts"),
        _fk("forum_moderation_actions", "topic_id", "forum_topics"),
        _fk("forum_moderation_actions", "member_id", "forum_members"),
        _fk("forum_moderation_actions", "actor_user_id", "users"),
        _fk("forum_moderation_actions", "actor_member_id", "forum_members"),
    )
    op.create_table(
        "forum_suggestion_clicks", _id(),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forum_suggestion_clicks"),
        _fk("forum_suggestion_clicks", "topic_id", "forum_topics"),
        _fk("forum_suggestion_clicks", "member_id", "forum_members"),
    )
    op.create_index("ix_forum_suggestion_clicks_topic_id", "forum_suggestion_clicks",
                    ["topic_id"])
    categories = sa.table(
        "forum_categories", sa.column("slug", sa.String), sa.column("name_fr", sa.String),
        sa.column("name_en", sa.String), sa.column("description_fr", sa.String),
        sa.column("description_en", sa.String), sa.column("position", sa.Integer),
    )
    op.bulk_insert(categories, [
        {"slug": "mobile", "name_fr": "Mobile", "name_en": "Mobile", "position": 0,
         "description_fr": "Forfaits, réseau, smartphones et cartes SIM",
         "description_en": "Plans, network, smartphones and SIM cards"},
        {"slug": "box-internet", "name_fr": "Box Internet", "name_en": "Internet box",
         "position": 1, "description_fr": "Fibre, ADSL, Wi-Fi et équipements",
         "description_en": "Fibre, DSL, Wi-Fi and equipment"},
        {"slug": "tv", "name_fr": "TV", "name_en": "TV", "position": 2,
         "description_fr": "Décodeur, chaînes et replay",
         "description_en": "Set-top box, channels and replay"},
        {"slug": "facturation", "name_fr": "Facturation", "name_en": "Billing", "position": 3,
         "description_fr": "Factures, paiements et remboursements",
         "description_en": "Invoices, payments and refunds"},
    ])
    op.bulk_insert(ranks, [
        {"code": "newcomer", "name_fr": "Nouveau venu", "name_en": "Newcomer", "threshold": 0},
        {"code": "contributor", "name_fr": "Contributeur", "name_en": "Contributor",
         "threshold": 20},
        {"code": "expert", "name_fr": "Expert", "name_en": "Expert", "threshold": 100},
        {"code": "super-user", "name_fr": "Super-utilisateur", "name_en": "Super-user",
         "threshold": 300},
    ])


def downgrade() -> None:
    for table in ("forum_suggestion_clicks", "forum_moderation_actions", "forum_reports",
                  "forum_badge_awards", "forum_reputation_events", "forum_ranks",
                  "forum_kudos", "forum_post_revisions", "forum_posts", "forum_topic_tags",
                  "forum_topics", "forum_tags", "forum_members", "forum_categories"):
        op.drop_table(table)
