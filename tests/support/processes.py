"""Real hub processes (web, worker, scheduler) started for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every process started, so that no test leaks one into the next.
LIVE: list[subprocess.Popen[bytes]] = []


class HubProcess:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> HubProcess:
        handle = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", *self.args], env=self.env,
            stdout=handle, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
            start_new_session=True,  # its own process group: see signal_group
        )
        LIVE.append(self.process)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the process and its children, as a container stop does. A worker's child
    (RQ's scheduler is a forked process) outlived a SIGKILL sent to the worker alone and
    went on running, orphaned, after the test suite."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def wait_http(url: str, timeout: float = 30, process: HubProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process and process.process and process.process.poll() is not None:
            raise RuntimeError(f"process died:\n{process.log()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer; log:\n{process.log()[-3000:] if process else ''}")


def env_for(settings_values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ENTRAIDE_ENV"))}
    env.update(settings_values)
    return env
