"""A multi-row INSERT's statement is converted by psycopg once, not at every execution."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from hub.db import make_engine
from hub.pg_statements import cache_long_statements
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql+psycopg"),
                                reason="psycopg only")


def test_the_converter_of_this_psycopg_is_replaced():
    """Fails when a psycopg upgrade changes the module it patches (the cache then stays
    off, silently slower): look at psycopg/_queries.py again."""
    assert cache_long_statements() is True
    from psycopg import _queries

    assert _queries.MAX_CACHED_STATEMENT_PARAMS > 10_000
    assert hasattr(_queries._query2pg, "cache_info")


def test_a_long_multi_row_insert_is_converted_once(migrated_database):
    engine = make_engine(migrated_database)
    from psycopg import _queries

    table = Table("pg_statement_probe", MetaData(), Column("id", Integer, primary_key=True),
                  *[Column(f"c{n}", String) for n in range(12)], prefixes=["TEMPORARY"])
    rows = [{f"c{n}": f"v{r}-{n}" for n in range(12)} for r in range(40)]  # 480 parameters
    with engine.connect() as conn:
        table.create(conn)
        conn.execute(insert(table).returning(table.c.id), rows)  # converted and cached
        before = _queries._query2pg.cache_info()
        ids = conn.execute(insert(table).returning(table.c.id), rows).scalars().all()
        after = _queries._query2pg.cache_info()
        conn.rollback()
    engine.dispose()
    assert len(ids) == 40
    assert after.hits > before.hits  # the second execution found its conversion
    assert after.misses == before.misses
