"""Fixtures: the real PostgreSQL and Redis (or SQLite + embedded Redis), a Twilio stand-in,
the personas, and helpers to run jobs with RQ's SimpleWorker."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import text

from hub.bootstrap import Services, build_services
from hub.db import transaction
from hub.migrate import upgrade
from hub.models import Base
from hub.settings import SETTING_NAMES, Settings
from tests.standins.twilio import TwilioStandin
from workers import context as worker_context

DATABASE_URL = os.environ.get(
    "ENTRAIDE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ENTRAIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TWILIO_SID = "AC" + "c0ffee" * 5 + "00"
TWILIO_TOKEN = "standin-auth-token-0123456789abcdef"
HUB_NUMBER = "+33700000001"


@pytest.fixture(scope="session")
def migrated_database() -> str:
    """Drop everything and run every migration: proves the migrations on PostgreSQL."""
    from hub.db import make_engine

    engine = make_engine(DATABASE_URL)
    with engine.begin() as conn:  # everything, including tables of other branches
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(DATABASE_URL)
    return DATABASE_URL


@pytest.fixture(autouse=True)
def no_leaked_processes() -> Iterator[None]:
    """A hub process a test forgot, or whose start failed (a leaked worker would steal the
    next test's jobs), is killed when the test ends."""
    yield
    from tests.support.processes import LIVE, signal_group

    while LIVE:
        process = LIVE.pop()
        signal_group(process, signal.SIGKILL)  # its children too, even if it has exited
        if process.poll() is None:
            process.kill()  # not a group leader (started without a session of its own)
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def twilio() -> Iterator[TwilioStandin]:
    with TwilioStandin(TWILIO_SID, TWILIO_TOKEN) as standin:
        yield standin


@pytest.fixture
def settings(migrated_database: str, twilio: TwilioStandin, tmp_path: Path) -> Settings:
    twilio.reset()
    return Settings(
        DATABASE_URL=migrated_database,
        REDIS_URL=REDIS_URL,
        DATA_DIR=str(tmp_path / "data"),
        PUBLIC_URL="https://hub.example.test",
        SECRET_KEY="test-secret-key-0123456789abcdef-0123456789",
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_PHONE_NUMBER=HUB_NUMBER,
        TWILIO_API_BASE_URL=twilio.base_url,
        SWEEP_AFTER_SECONDS=0,
        # the suite's real workers share 2 cores with Chromium and the test process: at the
        # default nice of 10 they would only make it slower (tests/hub/test_runner.py checks
        # that the setting is applied)
        WORKER_NICE=0,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    return {name: str(getattr(settings, name)) for name in SETTING_NAMES}


@pytest.fixture
def services(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """Services on a clean database and Redis; jobs run in this process see the same."""
    svc = build_services(settings)
    _clean(svc)
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    worker_context.services.cache_clear()
    yield svc
    worker_context.services.cache_clear()
    svc.engine.dispose()


def _clean(svc: Services) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with svc.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    svc.redis.flushdb()


def run_jobs(svc: Services) -> None:
    """Run every queued job in this process (RQ's SimpleWorker, burst mode)."""
    SimpleWorker([svc.queue], connection=svc.redis).work(burst=True, logging_level="WARNING")


@pytest.fixture
def app(services: Services, settings: Settings):
    from hub.app import create_app

    application = create_app(settings, services)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(services: Services):
    with services.sessions() as session:
        yield session


def with_settings(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, **changes)


def transaction_of(svc: Services):
    return transaction(svc.sessions)


__all__ = ["HUB_NUMBER", "Redis", "run_jobs", "settings_env", "transaction_of", "with_settings"]
