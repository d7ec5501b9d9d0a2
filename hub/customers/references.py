"""Where the schema points at customers: merges move these columns, erasure walks them.

Working on the schema rather than on each area's models keeps ``hub.customers`` below
the areas that refer to it (timeline, replies, forum…) in the import layers, and makes a
table added later part of merges without a change here. The process must have imported
``hub.models`` (every entry point does) so that ``Base.metadata`` knows every table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Table

from hub.db import Base


def table(name: str) -> Table:
    try:
        return Base.metadata.tables[name]
    except KeyError:
        raise RuntimeError(f"table {name} is not registered: import hub.models first") from None


def primary_key(t: Table) -> Column[Any]:
    (pk,) = t.primary_key.columns
    return pk


def refers_to(column: Column[Any], target: Table) -> bool:
    return any(fk.column.table is target for fk in column.foreign_keys)


def customer_columns() -> list[Column[Any]]:
    """Every column referring to ``customers.id`` that moves with a merge (the merge's own
    bookkeeping columns say ``info={"merge": "keep"}``)."""
    customers = table("customers")
    return [
        column
        for t in Base.metadata.sorted_tables
        for column in t.columns
        if refers_to(column, customers) and column.info.get("merge") != "keep"
    ]


def column_key(column: Column[Any]) -> str:
    return f"{column.table.name}.{column.name}"


def column_by_key(key: str) -> Column[Any] | None:
    table_name, _, column_name = key.partition(".")
    t = Base.metadata.tables.get(table_name)
    return None if t is None else t.columns.get(column_name)


def chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    """IN lists of a bounded size (SQLite and psycopg cap bound parameters)."""
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])
