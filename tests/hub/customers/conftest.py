"""Sessions on PostgreSQL (the shared test database) and on a fresh SQLite file (the
embedded demo), for tests that must hold on both."""

from __future__ import annotations

import pytest

from hub.db import Effects, make_engine, make_sessionmaker
from hub.migrate import upgrade


@pytest.fixture(params=["postgresql", "sqlite"])
def both_databases(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("services").sessions
        return
    url = f"sqlite:///{tmp_path / 'identity.db'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url), Effects())
    yield factory
    factory.kw["bind"].dispose()
