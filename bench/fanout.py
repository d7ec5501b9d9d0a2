"""Issue #4: how long one supervisor update takes to reach every supervisor socket.

Starts 2 × ``entraide serve`` (gunicorn gthread, ``WEB_THREADS`` raised to hold the
sockets: each open websocket holds a thread) on PostgreSQL (database ``bench_routing``,
dropped and migrated) and Redis DB 7 (flushed). Connects 2,000 ``/supervisor`` sockets
(python-socketio's asyncio client, websocket transport, one API token each) split over
both web processes and over 4 client processes (so the clients are not the bottleneck).
Then publishes ``--updates`` events to the ``supervisors`` room the way the hub does
(a numbered row, emitted after commit through the Redis message queue) and prints, per
update and overall, the time from the commit to the last socket's receipt, and the
p50/p99 of single deliveries. Bounded; loopback only; no assertion on time.

    python bench/fanout.py                       # 2,000 sockets, 20 updates
    python bench/fanout.py --sockets 500 --updates 5
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub.auth.models import Role, User  # noqa: E402
from hub.auth.service import create_token  # noqa: E402
from hub.bootstrap import build_services  # noqa: E402
from hub.db import transaction  # noqa: E402
from hub.events import SUPERVISORS_ROOM, publish  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.settings import Settings  # noqa: E402

DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_routing"
REDIS = "redis://127.0.0.1:6379/7"
CLIENT_PROCESSES = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def reset_and_seed(db_url: str, redis_url: str, count: int) -> list[str]:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    upgrade(db_url)
    Redis.from_url(redis_url).flushdb()
    services = build_services(Settings(DATABASE_URL=db_url, REDIS_URL=redis_url))
    with transaction(services.sessions) as session:
        ids = list(session.scalars(insert(User).returning(User.id), [
            {"email": f"sup{n}@example.test", "name": f"Sup {n}", "password_hash": "-",
             "role": Role.SUPERVISOR, "language": "fr"} for n in range(count)]))
        tokens = [create_token(session, user=session.get(User, uid)) for uid in ids]
    return tokens


def start_webs(env: dict[str, str], count: int, logs: Path) -> tuple[list, list[str]]:
    processes, urls = [], []
    for n in range(count):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        handle = (logs / f"web{n}.log").open("ab")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)], env=env,
            stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT))
    deadline = time.monotonic() + 120
    for url in urls:
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
    return processes, urls


# --- client processes ------------------------------------------------------------------------


def client_process(jobs: list[tuple[str, str]], ready, results, stop) -> None:
    asyncio.run(_clients(jobs, ready, results, stop))


async def _clients(jobs: list[tuple[str, str]], ready, results, stop) -> None:
    received: list[tuple[int, float]] = []
    clients = []
    failures = 0
    limit = asyncio.Semaphore(50)

    async def connect(url: str, token: str) -> None:
        nonlocal failures
        client = socketio.AsyncClient(reconnection=False)
        client.on("event", lambda m: received.append((m["id"], time.time())),
                  namespace="/supervisor")
        async with limit:
            try:
                await client.connect(url, namespaces=["/supervisor"], auth={"token": token},
                                     transports=["websocket"], wait_timeout=60)
                clients.append(client)
            except Exception:  # noqa: BLE001 - counted
                failures += 1

    await asyncio.gather(*(connect(url, token) for url, token in jobs))
    ready.put((len(clients), failures))
    while not stop.is_set():
        await asyncio.sleep(0.2)
    results.put(received)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=DB)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--updates", type=int, default=20)
    args = parser.parse_args()
    if not args.redis.rstrip("/").endswith("/7") or "bench_routing" not in args.db:
        sys.exit("refusing: use the bench_routing database and Redis DB 7")
    tokens = reset_and_seed(args.db, args.redis, args.sockets)
    logs = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    per_web = args.sockets // args.webs + 1
    env = dict(os.environ, DATABASE_URL=args.db, REDIS_URL=args.redis, LOG_LEVEL="WARNING",
               SECRET_KEY="bench-secret-0123456789abcdef-0123456789",
               WEB_THREADS=str(per_web + 64), DATA_DIR=str(logs / "data"))
    env.pop("ENTRAIDE_ENV", None)
    webs, urls = start_webs(env, args.webs, logs)
    try:
        run(args, tokens, urls, logs)
    finally:
        for process in webs:
            process.send_signal(signal.SIGTERM)
        for process in webs:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def run(args: argparse.Namespace, tokens: list[str], urls: list[str], logs: Path) -> None:
    jobs = [(urls[n % len(urls)], token) for n, token in enumerate(tokens)]
    ctx = multiprocessing.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=client_process,
                         args=(jobs[n::CLIENT_PROCESSES], ready, results, stop))
             for n in range(CLIENT_PROCESSES)]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    counts = [ready.get(timeout=600) for _ in procs]
    connected = sum(c for c, _ in counts)
    print(f"{connected} sockets connected ({sum(f for _, f in counts)} failed) "
          f"in {time.monotonic() - started:.0f} s over {len(urls)} web processes")
    services = build_services(Settings(DATABASE_URL=args.db, REDIS_URL=args.redis))
    sent: dict[int, float] = {}
    for n in range(args.updates):
        with transaction(services.sessions) as session:
            row = publish(session, room=SUPERVISORS_ROOM, name="queue.stats",
                          payload={"queue_id": 1, "name": "bench", "waiting": n})
            event_id = row.id
            sent[event_id] = time.time()  # just before the commit, which emits
        time.sleep(1)
    time.sleep(3)
    stop.set()
    received = [r for _ in procs for r in results.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=60)
    report(connected, sent, received, logs)


def report(connected: int, sent: dict[int, float], received: list, logs: Path) -> None:
    by_event: dict[int, list[float]] = {eid: [] for eid in sent}
    for event_id, at in received:
        if event_id in by_event:
            by_event[event_id].append(at - sent[event_id])
    all_delays = [d for delays in by_event.values() for d in delays]
    reach_all = [max(d) for d in by_event.values() if len(d) == connected]
    missing = sum(connected - len(d) for d in by_event.values())
    ms = 1000
    print(f"fan-out to {connected} /supervisor sockets, {len(sent)} updates (logs: {logs})")
    for event_id, delays in by_event.items():
        if delays:
            print(f"  event {event_id}: reached {len(delays)} in {max(delays) * ms:.0f} ms")
    if reach_all:
        print(f"  time to reach all: median {pct(reach_all, 50) * ms:.0f} ms, "
              f"max {max(reach_all) * ms:.0f} ms")
    if all_delays:
        print(f"  single delivery: p50 {pct(all_delays, 50) * ms:.0f} ms, "
              f"p99 {pct(all_delays, 99) * ms:.0f} ms; deliveries missing: {missing}")


if __name__ == "__main__":
    main()
