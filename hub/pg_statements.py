"""psycopg's statement conversion, cached for long statements too.

Before sending a statement, psycopg rewrites its ``%(name)s`` placeholders into
PostgreSQL's ``$1``, ``$2``… by splitting the SQL with a regular expression. It caches the
result per statement, but only for statements under 4 KB with at most 50 parameters;
SQLAlchemy's multi-row ``INSERT``\\ s (``insertmanyvalues``: an intake batch's
interactions, work items, offers and outbox rows) are longer, so each was split anew:
1.4 ms of CPU for 50 rows of 15 columns, 13 % of an intake worker's time
(docs/performance.md). The same few shapes recur (one per table and row count), so a
bounded LRU cache of every statement takes that cost once.

psycopg exposes no setting for it: this replaces the converter of its (private)
``_queries`` module when it has the expected shape, and leaves psycopg as it is
otherwise (``tests/hub/test_pg_statements.py`` notices a psycopg that changed).
"""

from __future__ import annotations

import logging
from functools import lru_cache

log = logging.getLogger(__name__)

CACHED_STATEMENTS = 512  # distinct statement texts kept converted (each a few KB)
_installed = False


def cache_long_statements() -> bool:
    """Let psycopg cache the conversion of every statement; True once it is in place."""
    global _installed
    if _installed:
        return True
    try:
        from psycopg import _queries  # noqa: PLC0415 - PostgreSQL deployments only
    except ImportError:
        return False
    uncached = getattr(_queries, "_query2pg_nocache", None)
    if not callable(uncached) or not hasattr(_queries, "_query2pg") or \
            not hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") or \
            not hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        log.warning("psycopg's statement conversion has changed: long statements stay "
                    "uncached")
        return False
    _queries._query2pg = lru_cache(maxsize=CACHED_STATEMENTS)(uncached)
    _queries.MAX_CACHED_STATEMENT_LENGTH = 1 << 30
    _queries.MAX_CACHED_STATEMENT_PARAMS = 1 << 30
    _installed = True
    return True
