"""A real web process for socket tests (the Flask-SocketIO test client cannot use a
message queue)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import settings_env, with_settings
from tests.support.processes import HubProcess, env_for, free_port, wait_http


@pytest.fixture
def live(services, settings, tmp_path: Path):
    port = free_port()
    live_settings = with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{port}",
                                  PRESENCE_GRACE_SECONDS=0)  # grace: tests/hub/routing
    web = HubProcess(["serve", "--port", str(port)], env_for(settings_env(live_settings)),
                     tmp_path / "web.log").start()
    wait_http(live_settings.PUBLIC_URL + "/api/v1/health", timeout=120, process=web)
    yield live_settings.PUBLIC_URL
    web.stop()
