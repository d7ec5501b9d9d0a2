"""timeline search: tsvector (PostgreSQL) or FTS5 (SQLite) over interaction bodies

PostgreSQL: the ``unaccent`` extension (a trusted contrib extension: the database owner
may create it), an IMMUTABLE wrapper ``f_unaccent`` so it can feed a generated column,
``interactions.search_vector`` = French || English stems of the unaccented body (its
first 65,536 characters: a tsvector is capped at 1 MB), and a GIN index on it.
Adding a stored generated column rewrites ``interactions`` once.

SQLite: an external-content FTS5 table ``interactions_fts`` with the tokenizer
``porter unicode61 remove_diacritics 2``, three triggers keeping it in sync, and a
rebuild from the rows already there. A later migration that rebuilds ``interactions``
in batch mode drops these triggers and must create them again (see ``_sqlite_ddl``).

Revision ID: a1timeline
Revises: 0cee704d1740
Create Date: 2026-11-27 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1timeline'
down_revision = '0cee704d1740'
branch_labels = None
depends_on = None

INDEXED_CHARS = 65536


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _postgres_ddl():
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in _sqlite_ddl():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_interactions_search")
        op.execute("ALTER TABLE interactions DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP FUNCTION IF EXISTS f_unaccent(text)")
    elif dialect == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS interactions_fts_{suffix}")
        op.execute("DROP TABLE IF EXISTS interactions_fts")


def _postgres_ddl() -> list[str]:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema = op.get_bind().execute(sa.text(
        "SELECT quote_ident(n.nspname) FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
    )).scalar_one()
    vector = " || ".join(
        f"to_tsvector('{config}'::regconfig, f_unaccent(left(body, {INDEXED_CHARS})))"
        for config in ("french", "english")
    )
    return [
        # unaccent() is STABLE (its dictionary could change); pinning the dictionary makes
        # the result depend on the text only, which is what IMMUTABLE promises.
        "CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$",
        f"ALTER TABLE interactions ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX ix_interactions_search ON interactions USING gin (search_vector)",
    ]


def _sqlite_ddl() -> list[str]:
    insert = "INSERT INTO interactions_fts(rowid, body) VALUES (new.id, new.body);"
    delete = ("INSERT INTO interactions_fts(interactions_fts, rowid, body) "
              "VALUES ('delete', old.id, old.body);")
    return [
        "CREATE VIRTUAL TABLE IF NOT EXISTS interactions_fts USING fts5(body, "
        "content='interactions', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS interactions_fts_ai AFTER INSERT ON interactions "
        f"BEGIN {insert} END",
        "CREATE TRIGGER IF NOT EXISTS interactions_fts_ad AFTER DELETE ON interactions "
        f"BEGIN {delete} END",
        "CREATE TRIGGER IF NOT EXISTS interactions_fts_au AFTER UPDATE OF body ON interactions "
        f"BEGIN {delete} {insert} END",
        "INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')",
    ]
