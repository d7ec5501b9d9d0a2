"""Timeline tests run on both databases: PostgreSQL (production) and SQLite (the demo)."""

from __future__ import annotations

import shutil

import pytest

from tests.hub.timeline.builders import migrate_sqlite, sqlite_sessions


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Every migration run once on SQLite; each test gets a copy of the file."""
    return migrate_sqlite(tmp_path_factory.mktemp("sqlite") / "template.db")


@pytest.fixture(params=["postgresql", "sqlite"])
def sessions(request, tmp_path):
    """A sessionmaker on a freshly migrated, empty database of each kind."""
    if request.param == "postgresql":
        yield request.getfixturevalue("services").sessions
        return
    path = tmp_path / "timeline.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    factory = sqlite_sessions(path)
    yield factory
    factory.kw["bind"].dispose()
