"""Issue #2: signed SMS webhooks → advisor socket, against the real running stack.

Starts ``entraide serve`` (gunicorn gthread) for the advisors' sockets, ``entraide serve
--hooks-only`` for the webhooks (``--hooks 0``: the one process serves both), N ×
``entraide worker`` (SimpleWorker, or RQ's forking Worker) and ``entraide scheduler`` on
PostgreSQL + Redis, connects advisor sockets (python-socketio, websocket transport, API
tokens) that accept every offer, and posts Twilio-signed inbound SMS webhooks, each from a
distinct number, so each one is a new work item. Prints, per phase:

* webhook answer latency p50/p99 (POST sent → 200 received),
* end-to-end latency p50/p99 (POST sent → ``offer.created`` received on a socket),
* processed items/s (``inbound_events.state = 'processed'`` over time) and the backlog
  (stored − processed) trend,
* CPU milliseconds per item for each process tree (web, workers, PostgreSQL backends,
  Redis, this load generator) and how much of the machine other work used,

and the same figures for a floor, run first: a bare Flask endpoint under the same
gunicorn gthread setup doing one INSERT and one Redis PUBLISH (its "end-to-end" is POST
sent → PUBLISH received by a subscriber). Results and analysis: docs/performance.md.

The public schema of the database (default ``bench``) is dropped and migrated, and the
Redis DB (default 12) is flushed, at the start of every stack run; the test databases
and Redis DBs 13-15 are refused. Every phase is bounded in count and time (the whole run
stays under 5 minutes); traffic goes to 127.0.0.1 only. No assertion on time: it prints
figures.

    python bench/ingest_e2e.py                       # floor + SimpleWorker stack
    python bench/ingest_e2e.py --accept auto         # advisors' profiles auto-accept SMS
    python bench/ingest_e2e.py --worker both         # + RQ's forking Worker
    python bench/ingest_e2e.py --rates 200 --duration 5 --burst 1000 --skip-floor
"""

from __future__ import annotations

import argparse
import gc
import http.client
import math
import multiprocessing
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
FORBIDDEN_DBS = {"test", "test_me"}
FORBIDDEN_REDIS_DBS = {13, 14, 15}
AUTH_TOKEN = "bench-twilio-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "be4c40" * 5 + "00"
HUB_NUMBER = "+33700000002"
FLOOR_CHANNEL = "bench-floor"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
NAMESPACE = "/agent"


# --- small helpers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x (items per second for a backlog series)."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / var


def quiet_collector() -> None:
    """Move everything alive now out of the garbage collector's reach: a full collection
    over the prepared webhooks and the results paused the load generator's threads for
    ~100 ms in the middle of requests, once or twice a phase, and that pause was counted
    as the hub's latency (a cluster of 30-50 webhooks over 25 ms at the same second of
    every 200/s run, start times late too)."""
    gc.collect()
    gc.freeze()


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process died:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class Processes:
    """Child processes with logs in one folder; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as handle:
            proc = subprocess.Popen(
                [sys.executable, *args],
                env=self.env,
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        self.running.append((name, proc))
        return proc, log

    def stop(self) -> None:
        for _name, proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc in self.running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.running.clear()


class CpuMeter:
    """CPU seconds per component (process trees, reaped children included) and the whole
    machine's busy time, from /proc: where the cores went during a phase."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, groups: dict[str, list[int]], database: str) -> None:
        self.groups = groups
        self.database = database

    @staticmethod
    def _stat(pid: int) -> list[str] | None:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None

    def _tree(self, roots: list[int], parents: dict[int, int]) -> set[int]:
        """The roots and their descendants, not descending into another group's roots."""
        others = {p for pids in self.groups.values() for p in pids} - set(roots)
        found = set(roots)
        changed = True
        while changed:
            changed = False
            for pid, ppid in parents.items():
                if ppid in found and pid not in found and pid not in others:
                    found.add(pid)
                    changed = True
        return found

    def snapshot(self) -> dict[str, float]:
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        postgres: list[int] = []
        redis_server: list[int] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            fields = self._stat(int(entry.name))
            if fields is None:
                continue
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            ticks[pid] = sum(int(x) for x in fields[11:15])
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"postgres: ") and f" {self.database} ".encode() in cmd:
                postgres.append(pid)
            elif cmd.startswith(b"redis-server"):
                redis_server.append(pid)
        out = {
            name: sum(ticks.get(p, 0) for p in self._tree(roots, parents)) / self.TICK
            for name, roots in self.groups.items()
        }
        out["postgres"] = sum(ticks[p] for p in postgres) / self.TICK
        out["redis*"] = sum(ticks[p] for p in redis_server) / self.TICK
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        out["_total"] = sum(cpu) / self.TICK
        out["_idle"] = (cpu[3] + cpu[4]) / self.TICK
        return out

    # divided by the webhooks answered; the rest by the events processed
    PER_REQUEST = ("web", "hooks", "sender", "sockets")

    @classmethod
    def usage(
        cls, before: dict[str, float], after: dict[str, float], *, requests: int, processed: int
    ) -> dict[str, float]:
        """CPU ms per item per component, machine busy % and the % used by other work."""
        total = after["_total"] - before["_total"]
        busy = total - (after["_idle"] - before["_idle"])
        ours = 0.0
        out: dict[str, float] = {}
        for name in after:
            if name.startswith("_"):
                continue
            spent = max(0.0, after[name] - before.get(name, 0.0))
            ours += spent
            out[name] = 1000 * spent / max(1, requests if name in cls.PER_REQUEST else processed)
        out["_busy%"] = 100 * busy / max(1e-9, total)
        out["_others%"] = 100 * max(0.0, busy - ours) / max(1e-9, total)
        return out


# --- database and Redis ---------------------------------------------------------------------


def check_targets(database_url: str, redis_url: str) -> None:
    url = make_url(database_url)
    if url.host not in ("127.0.0.1", "localhost") or url.database in FORBIDDEN_DBS:
        raise SystemExit(f"refusing database {url.database!r} on {url.host!r}: use your own")
    redis = Redis.from_url(redis_url)
    pool = redis.connection_pool.connection_kwargs
    local = pool.get("host") in ("127.0.0.1", "localhost")
    if not local or pool.get("db", 0) in FORBIDDEN_REDIS_DBS:
        raise SystemExit(f"refusing Redis {redis_url}: DBs 13-15 belong to the test runs")


def ensure_database(database_url: str) -> None:
    from hub.db import make_engine  # noqa: PLC0415

    url = make_url(database_url)
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def reset_stores(database_url: str, redis_url: str) -> None:
    """Drop everything (the public schema of the bench database), migrate to head, create
    the floor's scratch table; flush the bench Redis DB."""
    from hub.db import make_engine  # noqa: PLC0415
    from hub.migrate import upgrade  # noqa: PLC0415

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(
            text(
                "CREATE TABLE bench_floor (id bigserial PRIMARY KEY, marker text NOT NULL, "
                "form jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
            )
        )
    engine.dispose()
    upgrade(database_url)
    Redis.from_url(redis_url).flushdb()


def seed_advisors(database_url: str, count: int, *, auto_accept: bool) -> list[str]:
    """``count`` advisors in the default queue, each with an API token. Their capacity for
    asynchronous work (SMS) is unbounded: they accept every offer and never close, so
    with the default profile (5 async items) the first 5 × ``count`` items would fill
    them and the rest would wait in the queue, measuring advisors, not the pipeline.
    ``auto_accept``: their profile auto-accepts asynchronous work (issue #4 point 3), so an
    offer is an assignment at once and the socket sends no accept back."""
    from hub.auth.models import Role  # noqa: PLC0415
    from hub.auth.service import create_token, create_user  # noqa: PLC0415
    from hub.db import Effects, make_engine, make_sessionmaker, transaction  # noqa: PLC0415
    from hub.routing.models import QueueMember  # noqa: PLC0415
    from hub.routing.service import default_queue  # noqa: PLC0415

    engine = make_engine(database_url)
    tokens = []
    with transaction(make_sessionmaker(engine, Effects())) as session:
        queue_id = default_queue(session).id
        for i in range(count):
            user = create_user(
                session,
                email=f"advisor{i:03d}@bench.test",
                name=f"Bench {i}",
                password="bench-password-123",
                role=Role.ADVISOR,
            )
            user.capacity = {"async": 1_000_000, "auto_accept": ["async"] if auto_accept else []}
            session.add(QueueMember(queue_id=queue_id, user_id=user.id))
            tokens.append(create_token(session, user=user, label="bench"))
    engine.dispose()
    return tokens


class DiskProbe:
    """How long the disk takes to make a small write durable, sampled all along the run:
    every ``interval`` s one 4 KB write and ``fdatasync`` to a file on the filesystem of
    the bench's log directory (on this machine, PostgreSQL's disk too). A webhook is
    answered after PostgreSQL's commit, which waits for the same kind of sync of its WAL;
    when the disk stalls, every commit waits, whatever the hub does (seen here: commits
    waiting up to 1.1 s on ``WALSync`` in ``pg_stat_activity``). Each phase notes the
    probe's p99 and worst sync, so a latency tail can be told from a disk stall."""

    def __init__(self, directory: Path, interval: float = 0.02) -> None:
        self.path = directory / "disk-probe"
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (start, seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="disk-probe", daemon=True)

    def _run(self) -> None:
        block = os.urandom(4096)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self._stop.wait(self.interval):
                start = time.monotonic()
                os.pwrite(fd, block, 0)
                os.fdatasync(fd)
                self.samples.append((start, time.monotonic() - start))
        finally:
            os.close(fd)

    def note(self, start: float, end: float) -> str | None:
        waits = sorted(d * 1000 for t, d in self.samples if start <= t <= end)
        if not waits:
            return None
        slow = sum(1 for w in waits if w > 50)
        p50, p99 = pct(waits, 0.5) or 0.0, pct(waits, 0.99) or 0.0
        return (f"disk: fdatasync of 4 KB p50 {p50:.1f} ms, p99 {p99:.1f} ms, worst "
                f"{waits[-1]:.0f} ms ({slow} of {len(waits)} over 50 ms)")

    def __enter__(self) -> DiskProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.path.unlink(missing_ok=True)


class Monitor:
    """Samples (t, stored, processed, rq queue length) every ``interval`` seconds.

    Stored is what the sender got a 200 for (the hub and the floor answer after their
    commit), once ``stored`` is set; the hub's backlog is its pending events, counted
    through their partial index. (A ``count(*)`` of the whole table four times a second
    was the bench's own heaviest statement: 6 ms each by the end of a run, on the
    PostgreSQL CPU the figures charge to the hub.) Processed is stored − pending: an
    event rejected as malformed counts as processed; the bench sends none."""

    def __init__(
        self, database_url: str, redis_url: str, *, floor: bool, disk: Path,
        interval: float = 0.25,
    ) -> None:
        from hub.db import make_engine  # noqa: PLC0415

        self.disk = DiskProbe(disk)
        self.engine = make_engine(database_url, pool_size=1)
        self.redis = Redis.from_url(redis_url)
        self.floor = floor
        self.interval = interval
        self.samples: list[tuple[float, int, int, int]] = []
        self.stored: Callable[[], int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)

    def sample(self) -> tuple[float, int, int, int]:
        if self.stored is None:  # no sender yet
            return time.monotonic(), 0, 0, 0
        stored = self.stored()
        if self.floor:
            return time.monotonic(), stored, stored, 0
        with self.engine.connect() as conn:
            pending = int(conn.scalar(text(
                "SELECT count(*) FROM inbound_events WHERE state = 'pending'")))
        backlog = int(self.redis.llen("rq:queue:entraide"))
        return time.monotonic(), stored, stored - pending, backlog

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.samples.append(self.sample())
            except Exception:  # noqa: BLE001 - a missed sample is fine
                pass

    def between(self, start: float, end: float) -> list[tuple[float, int, int, int]]:
        return [s for s in self.samples if start <= s[0] <= end]

    def __enter__(self) -> Monitor:
        self.disk.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.engine.dispose()
        self.disk.__exit__(*exc)


# --- the floor: a bare Flask endpoint under the same gunicorn setup --------------------------


def serve_floor(port: int, threads: int) -> None:
    from flask import Flask, Response, request  # noqa: PLC0415
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415

    from hub.db import make_engine  # noqa: PLC0415

    engine = make_engine(os.environ["DATABASE_URL"])
    redis = Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
    app = Flask("floor")
    insert = text("INSERT INTO bench_floor (marker, form) VALUES (:marker, CAST(:form AS jsonb))")

    @app.post("/floor")
    def floor() -> Response:
        import json  # noqa: PLC0415

        marker = request.form.get("Body", "")
        with engine.begin() as conn:
            conn.execute(insert, {"marker": marker, "form": json.dumps(request.form)})
        redis.publish(FLOOR_CHANNEL, marker)
        return Response(EMPTY_TWIML, content_type="text/xml")

    @app.get("/health")
    def health() -> str:
        return "ok"

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"127.0.0.1:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 60,
                "accesslog": None,  # as the hub's default (ACCESS_LOG)
                "graceful_timeout": 5,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    _App().run()


# --- advisor sockets and the floor subscriber, in their own process --------------------------


def agents_main(
    url: str | None, tokens: list[str], redis_url: str, accept: bool, commands: Any, results: Any
) -> None:
    """Connect one socket per token, accept every offer, subscribe to the floor channel;
    answer "collect" with the (kind, marker, monotonic time) records seen since last time.

    The sockets are python-socketio's ``AsyncClient``\\ s on one event loop: the threaded
    ``Client`` runs a reader and a pinger thread per socket, and 24 of them cost this
    load generator 0.6 ms of CPU per offer received, on the cores the hub shares."""
    import asyncio  # noqa: PLC0415

    import socketio  # noqa: PLC0415

    records: list[tuple[str, str, float]] = []
    stats: Counter[str] = Counter()
    lock = threading.Lock()
    loop = asyncio.new_event_loop()
    clients: list[Any] = []

    def on_answer(answer: Any = None) -> None:
        ok = isinstance(answer, dict) and answer.get("ok")
        reason = answer.get("reason") if isinstance(answer, dict) else repr(answer)
        with lock:
            stats["accept ok" if ok else f"accept refused: {reason}"] += 1

    def make_handler(client: Any) -> Callable[[dict[str, Any]], Any]:
        async def on_event(message: dict[str, Any]) -> None:
            seen = time.monotonic()
            name = message.get("event", "?")
            with lock:
                stats[name] += 1
            if name != "offer.created":
                return
            data = message.get("data") or {}
            timeline = data.get("timeline") or [{}]
            with lock:
                records.append(("offer", str(timeline[0].get("body", "")), seen))
            if accept:
                await client.emit("accept", {"offer_id": data.get("offer_id")},
                                  namespace=NAMESPACE, callback=on_answer)

        return on_event

    async def connect_all() -> None:
        for token in tokens if url else []:
            client = socketio.AsyncClient(reconnection=False)
            client.on("event", make_handler(client), namespace=NAMESPACE)
            await client.connect(url, namespaces=[NAMESPACE], auth={"token": token},
                                 transports=["websocket"], wait_timeout=10)
            clients.append(client)

    async def disconnect_all() -> None:
        for client in clients:
            try:
                await client.disconnect()
            except Exception:  # noqa: BLE001, S110 - shutting down
                pass

    sockets = threading.Thread(target=loop.run_forever, name="sockets", daemon=True)
    sockets.start()
    try:
        asyncio.run_coroutine_threadsafe(connect_all(), loop).result(timeout=120)
    except Exception as error:  # noqa: BLE001 - reported to the parent
        results.put(("error", f"socket connect failed: {error!r}"))
        return

    pubsub = Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(FLOOR_CHANNEL)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.2)
            if message is not None:
                seen = time.monotonic()
                with lock:
                    records.append(("floor", message["data"].decode(), seen))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    results.put(("ready", len(clients)))
    while True:
        command = commands.get()
        if command == "collect":
            with lock:
                batch, records[:] = list(records), []
                snapshot = dict(stats)
            results.put(("records", batch, snapshot))
            quiet_collector()
        elif command == "stop":
            break
    stop.set()
    listener.join(timeout=2)
    try:
        asyncio.run_coroutine_threadsafe(disconnect_all(), loop).result(timeout=10)
    except Exception:  # noqa: BLE001, S110 - shutting down
        pass
    loop.call_soon_threadsafe(loop.stop)
    results.put(("stopped",))


class Agents:
    def __init__(
        self, url: str | None, tokens: list[str], redis_url: str, *, accept: bool = True
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.commands = ctx.Queue()
        self.results = ctx.Queue()
        self.proc = ctx.Process(
            target=agents_main,
            name="agents",
            args=(url, tokens, redis_url, accept, self.commands, self.results),
            daemon=True,
        )
        self.connected = 0

    def __enter__(self) -> Agents:
        self.proc.start()
        reply = self.results.get(timeout=120)
        if reply[0] != "ready":
            self.proc.terminate()
            raise RuntimeError(reply[1])
        self.connected = reply[1]
        return self

    def collect(self) -> tuple[list[tuple[str, str, float]], dict[str, int]]:
        self.commands.put("collect")
        reply = self.results.get(timeout=30)
        return reply[1], reply[2]

    def __exit__(self, *exc: object) -> None:
        self.commands.put("stop")
        try:
            self.results.get(timeout=20)
        except queue.Empty:
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=5)


# --- load generation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A signed webhook, encoded before its phase starts: sending it costs the load
    generator one ``send`` and one parsed answer, not a form encoding and a signature."""

    marker: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Sent:
    marker: str
    target: float
    start: float
    end: float
    status: int


class Requests:
    """Signed inbound SMS, each from a distinct number (so each is a new work item)."""

    def __init__(self, public_url: str, *, floor: bool) -> None:
        self.floor = floor
        self.signed_url = f"{public_url}/hooks/twilio_sms/bench"
        self.post_url = f"{public_url}/floor" if floor else self.signed_url
        self.serial = 0
        self.run = uuid.uuid4().hex[:6]

    def batch(self, phase: str, count: int) -> list[Prepared]:
        from tests.standins.twilio import inbound_sms_params, twilio_signature  # noqa: PLC0415

        out = []
        for _ in range(count):
            self.serial += 1
            marker = f"bench {self.run} {phase} {self.serial:07d}"
            params = inbound_sms_params(
                from_=f"+3361{self.serial:07d}", to=HUB_NUMBER, account_sid=ACCOUNT_SID, body=marker
            )
            pairs = list(params.items())
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(self.signed_url, pairs, AUTH_TOKEN),
                "User-Agent": "TwilioProxy/1.1",
                "X-Home-Region": "us1",
                "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            }
            out.append(Prepared(marker, urlencode(pairs).encode(), headers))
        return out


class Sender:
    """A pool of threads, one keep-alive ``http.client`` connection each (like Twilio's
    pool). ``http.client`` rather than ``requests``: the load generator shares the 2 cores
    with the stack it measures, and ``requests`` cost it ≈ 2.5 ms of CPU per webhook."""

    def __init__(self, url: str, clients: int) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port, parts.path
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="sender")
        self.stored = 0  # 200 answers: the hub answers once the event is committed
        self._stored_lock = threading.Lock()

    def _send(self, item: Prepared) -> int:
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=10
                )
            try:
                connection.request("POST", self.path, body=item.body, headers=item.headers)
                response = connection.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    return 0
        return 0

    def _post(self, item: Prepared, target: float, stop_at: float = math.inf) -> Sent | None:
        if time.monotonic() > stop_at:
            return None  # a bounded burst: not sent
        start = time.monotonic()
        status = self._send(item)
        if status == 200:
            with self._stored_lock:
                self.stored += 1
        return Sent(item.marker, target, start, time.monotonic(), status)

    def fixed_rate(self, items: list[Prepared], rate: float) -> list[Sent]:
        """Open loop: request i is due at t0 + i/rate, whatever the answers do."""
        t0 = time.monotonic() + 0.05
        futures = []
        for i, item in enumerate(items):
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(self.pool.submit(self._post, item, due))
        return [sent for f in futures if (sent := f.result()) is not None]

    def as_fast_as_possible(self, items: list[Prepared], seconds: float) -> list[Sent]:
        """Closed loop, every thread back to back; nothing starts after ``seconds``."""
        now = time.monotonic()
        futures = [self.pool.submit(self._post, item, now, now + seconds) for item in items]
        return [sent for f in futures if (sent := f.result()) is not None]

    def close(self) -> None:
        self.pool.shutdown(wait=True)


# --- phases ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    sent: int = 0
    ok: int = 0
    send_rate: float = 0.0
    hook: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    delivered: int = 0
    processed_rate: float | None = None
    drain_rate: float | None = None
    backlog_end: int | None = None
    backlog_slope: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Bench:
    args: argparse.Namespace
    sender: Sender
    requests: Requests
    agents: Agents
    monitor: Monitor
    cpu: CpuMeter
    deadline: float

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def phase(self, label: str, count: int, rate: float | None) -> Row:
        items = self.requests.batch(label.replace(" ", "-").replace("/", "-"), count)
        self.agents.collect()  # forget what earlier phases left behind
        quiet_collector()
        before = self.monitor.sample()
        cpu_before = self.cpu.snapshot()
        row = Row(label=label)
        if before[1] != before[2]:
            row.notes.append(f"started with a backlog of {before[1] - before[2]} events")
        sent = (
            self.sender.fixed_rate(items, rate)
            if rate
            else self.sender.as_fast_as_possible(items, self.args.burst_seconds)
        )
        if len(sent) < len(items):
            row.notes.append(
                f"burst cut after {self.args.burst_seconds:g} s: {len(sent)} of {len(items)} sent"
            )
        after_send = self.monitor.sample()
        row.sent, row.ok = len(sent), sum(1 for s in sent if s.status == 200)
        window = max(1e-6, max(s.end for s in sent) - min(s.start for s in sent))
        row.send_rate = len(sent) / window
        row.hook = [(s.end - s.start) * 1000 for s in sent if s.status == 200]
        row.lag = [(s.start - s.target) * 1000 for s in sent] if rate else []
        row.processed_rate = (after_send[2] - before[2]) / max(1e-6, after_send[0] - before[0])
        row.backlog_end = after_send[1] - after_send[2]
        backlog = [(t, st - pr) for t, st, pr, _ in self.monitor.between(before[0], after_send[0])]
        row.backlog_slope = slope(backlog)
        errors = Counter(s.status for s in sent if s.status != 200)
        if errors:
            row.notes.append(f"non-200 answers: {dict(errors)} (0 = no answer within 10 s)")
        # A burst is watched for a bounded window after its last answer, when the workers
        # have the machine to themselves; a fixed-rate phase is drained (bounded too).
        limit = time.monotonic() + (
            self.args.burst_window if rate is None else self.args.drain_timeout
        )
        end = self._drain(row, sent, after_send, min(limit, self.deadline))
        disk = self.monitor.disk.note(before[0], after_send[0])
        if disk:
            row.notes.append(disk)
        row.cpu = CpuMeter.usage(
            cpu_before, self.cpu.snapshot(), requests=row.ok, processed=end[2] - before[2]
        )
        if rate is None:
            self._burst_rate(row, before, after_send)
        return row

    def _burst_rate(
        self, row: Row, before: tuple[float, int, int, int], after_send: tuple[float, int, int, int]
    ) -> None:
        samples = self.monitor.between(before[0], time.monotonic())
        if len(samples) >= 2:
            last = samples[-1]
            row.notes.append(
                f"burst: {row.ok} stored in {after_send[0] - before[0]:.1f} s "
                f"({row.send_rate:.0f}/s) while {after_send[2] - before[2]} were processed; "
                f"{last[2] - before[2]} processed {last[0] - before[0]:.1f} s after the start;"
                f" backlog then {last[1] - last[2]}; max RQ queue length "
                f"{max(s[3] for s in samples)}"
            )

    def _drain(
        self, row: Row, sent: list[Sent], after_send: tuple[float, int, int, int], limit: float
    ) -> tuple[float, int, int, int]:
        """Wait until every stored event is processed and offers stop arriving (bounded)."""
        expected = {s.marker: s.start for s in sent if s.status == 200}
        kind = "floor" if self.requests.floor else "offer"
        seen: dict[str, float] = {}
        stats: dict[str, int] = {}
        quiet_since = time.monotonic()
        last = after_send
        while time.monotonic() < limit:
            time.sleep(0.25)
            records, stats = self.agents.collect()
            fresh = [(m, t) for k, m, t in records if k == kind and m in expected and m not in seen]
            seen.update(fresh)
            if fresh:
                quiet_since = time.monotonic()
            last = self.monitor.sample()
            settled = last[1] == last[2] and last[1] >= after_send[1]
            if len(seen) >= len(expected) or (settled and time.monotonic() - quiet_since > 2):
                break
        if last[2] > after_send[2] and last[0] - after_send[0] > 1:
            row.drain_rate = (last[2] - after_send[2]) / (last[0] - after_send[0])
        row.e2e = [(seen[m] - expected[m]) * 1000 for m in seen]
        if self.args.e2e_dump and sent:
            self._dump(row.label, sent, seen)
        row.delivered = len(seen)
        if len(seen) < len(expected):
            row.notes.append(
                f"{len(expected) - len(seen)} without an offer/publish when the "
                f"phase ended (unprocessed backlog {last[1] - last[2]}"
                f"{self._queued_text()})"
            )
        refused = {k: v for k, v in stats.items() if k.startswith("accept refused")}
        for reason, number in refused.items():
            row.notes.append(f"{number} × {reason}")
        return last

    def _dump(self, label: str, sent: list[Sent], seen: dict[str, float]) -> None:
        """One line per webhook: phase, seconds since the phase's first POST, hook and e2e
        latency in ms (e2e empty if no offer arrived)."""
        t0 = min(s.start for s in sent)
        with self.args.e2e_dump.open("a") as dump:
            for s in sorted(sent, key=lambda s: s.start):
                e2e = f"{(seen[s.marker] - s.start) * 1000:.1f}" if s.marker in seen else ""
                dump.write(f"{label}\t{s.start - t0:.3f}\t{(s.end - s.start) * 1000:.1f}"
                           f"\t{e2e}\n")

    def _queued_text(self) -> str:
        if self.requests.floor:
            return ""
        with self.monitor.engine.connect() as conn:
            queued = conn.scalar(text("SELECT count(*) FROM work_items WHERE state = 'queued'"))
        return f"; work items left queued, never offered: {queued}" if queued else ""


def analyze(bench: Bench) -> None:
    """ANALYZE between phases, outside the measured windows: the tables start empty and
    grow by thousands of rows a phase, faster than autovacuum's analyze (a minute's nap)
    follows. Plans made on a table believed empty (sequential scans, cached in the
    processes' prepared statements) measure a database's first minute, not the
    steady state of one that holds its customers."""
    with bench.monitor.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def settle(bench: Bench, prefix: str) -> None:
    """A second at 50/s after each ANALYZE, not measured: ANALYZE invalidates every plan
    the processes hold, and the first batch after it plans its thirty statements again
    (a 300 ms stall that was the first second of every phase). A database analyzed by
    autovacuum pays that too, once a while, not at the start of each measurement."""
    if bench.args.warmup > 0:
        bench.phase(f"{prefix} settle", 50, 50)


def run_phases(bench: Bench, prefix: str) -> list[Row]:
    rows = []
    if bench.args.warmup > 0:  # fresh processes: first connections, statement caches
        count = int(bench.args.warmup * 50)
        print(f"  {prefix}: warm-up, {count} webhooks at 50/s …", flush=True)
        rows.append(bench.phase(f"{prefix} warm-up", count, 50))
    for rate in bench.args.rates:
        if bench.time_left() < bench.args.duration + 10:
            print(f"  (time budget spent: skipping {prefix} {rate:g}/s)", flush=True)
            continue
        analyze(bench)
        settle(bench, prefix)
        count = int(rate * bench.args.duration)
        print(f"  {prefix}: {count} webhooks at {rate:g}/s …", flush=True)
        rows.append(bench.phase(f"{prefix} {rate:g}/s", count, rate))
    if bench.args.burst and bench.time_left() > 20:
        print(
            f"  {prefix}: burst of {bench.args.burst}, then {bench.args.burst_window:g} s "
            "of draining …",
            flush=True,
        )
        analyze(bench)
        settle(bench, prefix)
        rows.append(bench.phase(f"{prefix} burst", bench.args.burst, None))
    return rows


def hub_env(args: argparse.Namespace, public_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "ENTRAIDE_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        {
            "ENTRAIDE_ENV": "development",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "PUBLIC_URL": public_url,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef-0123456789",
            "DATA_DIR": str(args.log_dir / "data"),
            "TWILIO_ACCOUNT_KEY": "bench",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_PHONE_NUMBER": HUB_NUMBER,
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # nothing is sent in this bench
            "OFFER_TIMEOUT_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def client_groups(agents: Agents) -> dict[str, list[int]]:
    """The load generator: this process (the senders) and the advisor sockets' process."""
    return {"sender": [os.getpid()], "sockets": [agents.proc.pid] if agents.proc.pid else []}


def run_hub(args: argparse.Namespace, worker: str, deadline: float) -> list[Row]:
    print(
        f"== hub: entraide serve{' + serve --hooks-only' if args.hooks else ''}"
        f" + {args.workers} × entraide worker"
        f"{' --fork' if worker == 'fork' else ''} + scheduler; offers "
        f"{'auto-accepted' if args.accept == 'auto' else 'accepted over the socket'}",
        flush=True,
    )
    reset_stores(args.database_url, args.redis_url)
    tokens = seed_advisors(args.database_url, args.advisors, auto_accept=args.accept == "auto")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir = args.log_dir / f"hub-{worker}"
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = Processes(log_dir, hub_env(args, url))
    cli = ["-m", "hub.cli"]
    try:
        web, web_log = procs.start("web", [*cli, "serve", "--port", str(port)])
        hooks_url, hooks = url, []
        if args.hooks:  # the balancer's /hooks/ route: a hooks-only process of its own
            hooks_port = free_port()
            hooks_url = f"http://127.0.0.1:{hooks_port}"
            hooks_proc, hooks_log = procs.start(
                "hooks", [*cli, "serve", "--hooks-only", "--port", str(hooks_port)]
            )
            hooks.append(hooks_proc.pid)
            wait_http(f"{hooks_url}/api/v1/health", 60, hooks_proc, hooks_log)
        workers = [
            procs.start(f"worker{i}", [*cli, "worker", *(["--fork"] if worker == "fork" else [])])[
                0
            ]
            for i in range(args.workers)
        ]
        scheduler, _ = procs.start("scheduler", [*cli, "scheduler"])
        wait_http(f"{url}/api/v1/health", 60, web, web_log)
        with (
            Agents(url, tokens, args.redis_url, accept=args.accept == "socket") as agents,
            Monitor(args.database_url, args.redis_url, floor=False,
                    disk=args.log_dir) as monitor,
        ):
            print(f"  {agents.connected} advisor sockets connected", flush=True)
            cpu = CpuMeter(
                {
                    "web": [web.pid],
                    "hooks": hooks,
                    "workers": [w.pid for w in workers],
                    "scheduler": [scheduler.pid],
                    **client_groups(agents),
                },
                make_url(args.database_url).database or "",
            )
            sender = Sender(hooks_url + "/hooks/twilio_sms/bench", args.clients)
            monitor.stored = lambda: sender.stored
            try:
                bench = Bench(
                    args, sender, Requests(url, floor=False), agents, monitor, cpu, deadline
                )
                return run_phases(bench, f"hub/{worker}")
            finally:
                sender.close()
    finally:
        procs.stop()


def run_floor(args: argparse.Namespace, deadline: float) -> list[Row]:
    print(
        "== floor: bare Flask endpoint, one INSERT + one PUBLISH, same gunicorn setup", flush=True
    )
    reset_stores(args.database_url, args.redis_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir = args.log_dir / "floor"
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = Processes(log_dir, hub_env(args, url))
    try:
        proc, log = procs.start(
            "floor",
            [
                str(Path(__file__).resolve()),
                "--serve-floor",
                str(port),
                "--threads",
                str(args.threads),
            ],
        )
        wait_http(f"{url}/health", 60, proc, log)
        with (
            Agents(None, [], args.redis_url) as agents,
            Monitor(args.database_url, args.redis_url, floor=True,
                    disk=args.log_dir) as monitor,
        ):
            cpu = CpuMeter(
                {"web": [proc.pid], **client_groups(agents)},
                make_url(args.database_url).database or "",
            )
            sender = Sender(url + "/floor", args.clients)
            monitor.stored = lambda: sender.stored
            try:
                bench = Bench(
                    args, sender, Requests(url, floor=True), agents, monitor, cpu, deadline
                )
                return run_phases(bench, "floor")
            finally:
                sender.close()
    finally:
        procs.stop()


# --- report ----------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    head = (
        f"{'phase':<18} {'sent':>5} {'ok':>5} {'sent/s':>6} {'hook p50':>8} "
        f"{'hook p99':>8} {'lag p99':>7} {'e2e p50':>8} {'e2e p99':>8} {'e2e n':>5} "
        f"{'proc/s':>6} {'drain/s':>7} {'backlog':>7} {'trend/s':>7}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        backlog = "—" if r.backlog_end is None else str(r.backlog_end)
        trend = "—" if r.backlog_slope is None else f"{r.backlog_slope:+.0f}"
        print(
            f"{r.label:<18} {r.sent:>5} {r.ok:>5} {r.send_rate:>6.0f} {ms(pct(r.hook, 0.5)):>8} "
            f"{ms(pct(r.hook, 0.99)):>8} {ms(pct(r.lag, 0.99)):>7} {ms(pct(r.e2e, 0.5)):>8} "
            f"{ms(pct(r.e2e, 0.99)):>8} {r.delivered:>5} {rate_text(r.processed_rate):>6} "
            f"{rate_text(r.drain_rate):>7} {backlog:>7} {trend:>7}"
        )
    groups = ["web", "hooks", "workers", "scheduler", "postgres", "redis*", "sender", "sockets"]
    head = (
        f"{'CPU ms per item':<18} "
        + " ".join(f"{g:>9}" for g in groups)
        + f" {'server':>7} {'cap/s':>6} {'machine':>8} {'others':>7}"
    )
    print()
    print(head)
    print("-" * len(head))
    cores = os.cpu_count() or 1
    for r in rows:
        cells = " ".join(f"{r.cpu[g]:>9.1f}" if g in r.cpu else f"{'—':>9}" for g in groups)
        server = sum(v for k, v in r.cpu.items()
                     if k in groups and k not in ("sender", "sockets"))
        capacity = f"{1000 * cores / server:>6.0f}" if server else f"{'—':>6}"
        print(
            f"{r.label:<18} {cells} {server:>7.1f} {capacity} "
            f"{r.cpu.get('_busy%', 0):>7.0f}% {r.cpu.get('_others%', 0):>6.0f}%"
        )
    notes = [f"  {r.label}: {n}" for r in rows for n in r.notes]
    if notes:
        print("\nnotes:")
        print("\n".join(notes))
    print(f"""
Columns (times in ms, on the monotonic clock every process of this machine shares):
  hook p50/p99  webhook answer latency: POST sent → 200 received (the TwiML ack).
  lag p99       how late the sender started requests against the fixed schedule.
  e2e p50/p99   hub: POST sent → offer.created received on an advisor socket; floor: POST
                sent → the PUBLISH received by a Redis subscriber. Each SMS comes from a new
                number, so each is a new work item. The {args.advisors} advisor sockets accept
                every offer at once (--accept socket) or their profile auto-accepts SMS
                (--accept auto), so e2e measures the pipeline rather than advisor availability;
                e2e n counts the items whose offer arrived.
  proc/s        events processed per second while sending (hub: inbound_events.state =
                'processed'; floor: rows inserted); drain/s: after the last answer, until
                the backlog emptied or the drain time ran out (the workers alone).
  backlog       stored − processed when the last POST was answered; trend/s: least-squares
                slope of that backlog while sending (≈ 0: the workers keep up).
  CPU ms/item   CPU time of each process tree (reaped children included) from the phase
                start to the end of its drain, divided by the webhooks answered (web,
                hooks, sender, sockets) or by the events processed meanwhile (the others);
                postgres = the backends of this database; redis* = the whole (shared) Redis
                server; sender = this script's webhook senders, sockets = the advisor
                sockets' process (the load generator: not in server). cap/s = cores × 1000 /
                server: the rate at which the server side alone would use every core.
                machine = busy share of all cores; others = the busy share not spent by the
                processes listed (other work on the machine skews every figure).
Targets (issue #2): webhook p99 < 25 ms at 200/s; e2e p99 < 150 ms at 100/s;
  sustained ≥ 300 items/s without a growing backlog.""")


def machine_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (from /proc/stat)."""

    def read() -> list[int]:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]

    before = read()
    time.sleep(seconds)
    delta = [b - a for a, b in zip(before, read(), strict=False)]
    return 100 * (sum(delta) - delta[3] - delta[4]) / max(1, sum(delta))


def wait_for_quiet(limit: float, threshold: float = 25.0) -> float:
    """Other work on the machine skews every figure: wait (bounded) for a quiet moment;
    return the seconds waited."""
    start = time.monotonic()
    deadline = start + limit
    busy = machine_busy()
    while busy > threshold and time.monotonic() < deadline:
        busy = machine_busy(2.0)
    state = "quiet" if busy <= threshold else "STILL BUSY: figures are skewed by other work"
    print(f"  machine busy before the run: {busy:.0f}% of all cores ({state})", flush=True)
    return time.monotonic() - start


def describe_machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory:.0f} GiB, Python {sys.version.split()[0]}; "
        f"load average now {load}"
    )


# --- entry point -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Issue #2 ingest benchmark: signed SMS webhooks → advisor sockets on the "
        "real stack (gunicorn, RQ workers, scheduler, PostgreSQL, Redis), with a "
        "bare Flask floor for comparison. Prints figures; asserts nothing."
    )
    parser.add_argument(
        "--rates",
        default="100,200,300",
        help="fixed webhook rates in req/s, comma separated (default %(default)s)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds per fixed-rate phase (default %(default)s)",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=3000,
        help="webhooks sent as fast as possible for the sustained figure "
        "(0 skips it; default %(default)s)",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=32,
        help="concurrent sender threads, one keep-alive connection each (default %(default)s)",
    )
    parser.add_argument(
        "--advisors",
        type=int,
        default=24,
        help="advisor sockets; each holds one of the web process's 64 "
        "gunicorn threads (default %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=2, help="RQ workers (default %(default)s)")
    parser.add_argument(
        "--worker",
        choices=["simple", "fork", "both"],
        default="simple",
        help="SimpleWorker (entraide worker), RQ's forking Worker "
        "(entraide worker --fork), or both in turn (default %(default)s)",
    )
    parser.add_argument(
        "--hooks",
        type=int,
        choices=[0, 1],
        default=1,
        help="1: webhooks go to a hooks-only process (entraide serve --hooks-only), as "
        "behind the production balancer; 0: to the web process that holds the sockets "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--accept",
        choices=["socket", "auto"],
        default="socket",
        help="socket: each advisor accepts every offer over its socket; auto: the advisors' "
        "profile auto-accepts SMS (issue #4 point 3), no accept round trip "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds of webhooks at 50/s before the measured phases, shown as their own "
        "row: a fresh process's first requests open connections and fill statement "
        "caches (0: none; default %(default)s)",
    )
    parser.add_argument(
        "--e2e-dump",
        type=Path,
        default=None,
        help="append each webhook's phase, send time (s from the phase's start), hook and "
        "e2e latency (ms) to this TSV file, to see where in a phase the tail is",
    )
    parser.add_argument("--skip-floor", action="store_true", help="do not run the floor")
    parser.add_argument(
        "--burst-seconds",
        type=float,
        default=30.0,
        help="stop starting burst requests after this many seconds (default %(default)s)",
    )
    parser.add_argument(
        "--burst-window",
        type=float,
        default=15.0,
        help="seconds the burst's backlog is watched after its last answer "
        "(drain/s: the workers alone; default %(default)s)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=15.0,
        help="max seconds to wait for the backlog after a fixed-rate phase (default %(default)s)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=220.0,
        help="time budget for the phases (waiting for a quiet machine "
        "not included); phases that do not fit are skipped "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="seconds to wait at most for the machine to be quiet (< 25%% "
        "busy) before each stack (default %(default)s)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB),
        help="created if missing; its tables are dropped and migrated again! (default %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
        help="flushed! (default %(default)s)",
    )
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="process logs (default: a new temporary folder)"
    )
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=64, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in str(args.rates).split(",") if r.strip()]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.serve_floor:
        serve_floor(args.serve_floor, args.threads)
        return
    check_targets(args.database_url, args.redis_url)
    args.log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    args.log_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.max_seconds
    print(f"machine: {describe_machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"logs: {args.log_dir}", flush=True)
    ensure_database(args.database_url)
    rows: list[Row] = []
    if not args.skip_floor:  # first: it is short and bounded, the hub may not be
        deadline += wait_for_quiet(args.quiet_wait)  # waiting is not in the budget
        rows += run_floor(args, deadline)
    for kind in ["simple", "fork"] if args.worker == "both" else [args.worker]:
        if time.monotonic() > deadline - 60:
            print(f"  (time budget spent: skipping the {kind} worker stack)", flush=True)
            continue
        deadline += wait_for_quiet(args.quiet_wait)
        rows += run_hub(args, kind, deadline)
    print_table(rows, args)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
