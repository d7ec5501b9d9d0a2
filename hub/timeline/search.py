"""Full-text search of interaction bodies: one interface, one backend per database.

PostgreSQL (production): a stored ``search_vector`` column, French and English stems of
the unaccented body, GIN-indexed; the query is ``websearch_to_tsquery`` in both
configurations. SQLite (the embedded default): an FTS5 table ``interactions_fts``
(``porter unicode61 remove_diacritics 2``) kept in sync by triggers. Both ignore case and
accents ("resiliation" finds "Résiliation") and reduce plurals ("factures" finds
"facture"). Both understand the same small syntax: words (all must match),
``"a phrase"``, ``or`` between alternatives and ``-word`` to exclude.

The schema objects are made by the migration ``a1timeline``, not by the models. A later
migration that rebuilds ``interactions`` on SQLite (Alembic's batch mode copies the table
and drops its triggers) must recreate the three ``interactions_fts_*`` triggers; the
SQLite search test runs every migration and fails if they are gone.
"""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy import ColumnElement, column, false, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY

from hub.timeline.models import Interaction

VECTOR_COLUMN = "search_vector"
FTS_TABLE = "interactions_fts"
_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))


class TimelineSearch(Protocol):
    def condition(self, words: str) -> ColumnElement[bool]:
        """A WHERE condition on ``interactions`` true for rows matching ``words``."""
        ...


class PostgresSearch:
    def condition(self, words: str) -> ColumnElement[bool]:
        unaccented = func.f_unaccent(words)
        query = (
            func.websearch_to_tsquery(literal_column("'french'::regconfig"), unaccented,
                                      type_=TSQUERY)
            .op("||")(func.websearch_to_tsquery(literal_column("'english'::regconfig"),
                                                unaccented, type_=TSQUERY))
        )
        return literal_column(f"interactions.{VECTOR_COLUMN}").bool_op("@@")(query)


class SqliteSearch:
    def condition(self, words: str) -> ColumnElement[bool]:
        expression = fts5_expression(words)
        if not expression:
            return false()
        matching = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(expression))
        return Interaction.id.in_(matching)


def search_for(dialect: str) -> TimelineSearch:
    if dialect == "postgresql":
        return PostgresSearch()
    if dialect == "sqlite":
        return SqliteSearch()
    raise ValueError(f"no timeline search for the {dialect!r} database")


# --- websearch syntax for FTS5 ------------------------------------------------------------

_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORDS = re.compile(r"\w+")


def fts5_expression(words: str) -> str:
    """The FTS5 MATCH expression meaning what ``websearch_to_tsquery`` makes of ``words``.

    Every word is quoted (no FTS5 operator or column filter can be injected). A group with
    only exclusions is dropped: FTS5 cannot express "everything but"."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for negated, phrase, bare in _TOKENS.findall(words):
        if bare.lower() == "or":
            groups.append(([], []))
            continue
        if bare.startswith("-"):
            negated, bare = "-", bare[1:]
        quoted = _phrase(phrase or bare)
        if quoted:
            groups[-1][1 if negated else 0].append(quoted)
    parts = [_group(wanted, excluded) for wanted, excluded in groups if wanted]
    return " OR ".join(parts)


def _phrase(raw: str) -> str:
    words = _WORDS.findall(raw)
    return '"' + " ".join(words) + '"' if words else ""


def _group(wanted: list[str], excluded: list[str]) -> str:
    expression = " AND ".join(wanted)
    for phrase in excluded:
        expression += f" NOT {phrase}"
    return f"({expression})"


# --- schema objects made by the migration ``a1timeline``, not by the models -------------


def is_search_object(name: str | None, type_: str) -> bool:
    """Objects the migration creates outside the models (for Alembic's autogenerate)."""
    if type_ == "column":
        return name == VECTOR_COLUMN
    return bool(name) and (name == "ix_interactions_search"
                           or str(name).startswith(FTS_TABLE))
