"""The whole hub in real processes: web (gunicorn), worker, scheduler; advisor sockets."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import socketio

from hub.settings import Settings
from tests.conftest import settings_env
from tests.support.processes import HubProcess, env_for, wait_http


class Stack:
    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings = settings
        env = env_for(settings_env(settings))
        port = settings.PUBLIC_URL.rsplit(":", 1)[1]
        self.web = HubProcess(["serve", "--port", port], env, tmp_path / "web.log")
        self.worker = HubProcess(["worker"], env, tmp_path / "worker.log")
        self.scheduler = HubProcess(["scheduler"], env, tmp_path / "scheduler.log")

    def start(self) -> Stack:
        for process in (self.web, self.worker, self.scheduler):
            process.start()
        # 120 s like the other live fixtures: three processes import the app at once, and a
        # shared 2-core machine under load needs more than 30 s for it
        wait_http(self.settings.PUBLIC_URL + "/api/v1/health", timeout=120, process=self.web)
        return self

    def stop(self) -> None:
        for process in (self.web, self.worker, self.scheduler):
            process.stop()

    def logs(self) -> str:
        return "\n".join(p.log()[-4000:] for p in (self.web, self.worker, self.scheduler))


def connect_agent(url: str, token: str) -> tuple[socketio.Client, queue.Queue]:
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("event", received.put, namespace="/agent")
    client.connect(url, namespaces=["/agent"], auth={"token": token},
                   transports=["websocket"], wait_timeout=10)
    return client, received


def next_event(received: queue.Queue, name: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = received.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if message["event"] == name:
            return message
    raise AssertionError(f"no {name} event within {timeout}s")
