"""Issue #4: routing under load, against the real running stack.

Starts 2 × ``entraide serve`` (gunicorn gthread), 4 × ``entraide worker`` and
``entraide scheduler`` on PostgreSQL (database ``bench_routing``, dropped and migrated)
and Redis DB 7 (flushed); inserts 10,000 waiting work items (calls, chats, emails, SMS in
one queue) and 200 advisors; connects the advisors' sockets across both web processes
(python-socketio's asyncio client, websocket transport, API tokens). Each advisor accepts
every offer on its socket and closes the item through the REST API of either web process
(after ``--hold-ms``). Routing is started the way the tick starts it: one batch routing
pass per worker (``route_backlog``; every close then requests the next pass), so workers
and web processes race for the same items; ``--trigger per-item`` queues a
``route_item`` job per item instead (one-by-one routing, as before batch routing), and
``--auto-accept`` makes every advisor auto-accept every channel class (issue #4 point 3:
no accept round trip). Prints:

* routed items/s (accepted per second) over the run and in its steady middle,
* offer push latency p50/p99 (the offer row's creation → ``offer.created`` on the socket),
* double assignments and capacity violations, replayed from the offers table (every
  offer's hold interval lies inside the interval Redis reserved the room for),
* reservations left in Redis at the end (should be 0),
* CPU milliseconds per routed item for each process type (web, workers, scheduler, the
  PostgreSQL backends of ``bench_routing``, the Redis server, this client) and the load
  average, because the machine is shared.

Bounded: ``--max-seconds`` for the run, ``--stall-seconds`` without progress; traffic to
127.0.0.1 only; no assertion on time.

    python bench/routing.py                         # 10,000 items, 200 advisors
    python bench/routing.py --items 2000 --advisors 50 --hold-ms 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub.auth.models import User  # noqa: E402
from hub.auth.service import create_token  # noqa: E402
from hub.customers.models import Customer  # noqa: E402
from hub.db import Effects, make_engine, make_sessionmaker, transaction, utcnow  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.routing.models import (  # noqa: E402
    Offer,
    OfferState,
    QueueMember,
    WorkItem,
    WorkState,
    WrapUpCode,
)
from hub.routing.service import default_queue  # noqa: E402
from hub.routing.strategy import effective_capacity  # noqa: E402
from hub.timeline.models import Conversation  # noqa: E402

DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_routing"
REDIS = "redis://127.0.0.1:6379/7"
KINDS = [("phone", "twilio_voice"), ("chat", "webchat"), ("chat", "webchat"),
         ("email", "email"), ("sms", "twilio_sms")]
CAPACITIES = [None, {"chat": 2, "async": 3}, {"voice": 0, "chat": 3, "async": 8}]
OFFER_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- database, data, processes -----------------------------------------------------------


def reset(db_url: str, redis_url: str) -> None:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    upgrade(db_url)
    Redis.from_url(redis_url).flushdb()


def seed(db_url: str, items: int, advisors: int, auto_accept: bool = False
         ) -> tuple[list, list[int]]:
    sessions = make_sessionmaker(make_engine(db_url), Effects())
    with transaction(sessions) as session:
        session.add(WrapUpCode(code="resolved", label="Resolved"))
        queue = default_queue(session)
        people = []
        for n in range(advisors):
            capacity = CAPACITIES[n % len(CAPACITIES)]
            if auto_accept:
                capacity = {**(capacity or {}), "auto_accept": ["voice", "chat", "async"]}
            user = User(email=f"bench{n}@example.test", name=f"Bench {n}", password_hash="-",
                        language="fr", capacity=capacity)
            session.add(user)
            session.flush()
            session.add(QueueMember(queue_id=queue.id, user_id=user.id))
            people.append((user.id, create_token(session, user=user), capacity))
        customers = list(session.scalars(insert(Customer).returning(Customer.id), [
            {"display_name": f"Customer {n}", "language": "fr"} for n in range(500)]))
        now = utcnow()
        conversations = list(session.scalars(insert(Conversation).returning(Conversation.id), [
            {"customer_id": customers[n % 500], "channel": KINDS[n % 5][1], "account": "demo",
             "thread_key": f"b{n}", "customer_address": f"c{n}"} for n in range(items)]))
        ids = list(session.scalars(insert(WorkItem).returning(WorkItem.id), [
            {"conversation_id": c, "queue_id": queue.id, "customer_id": customers[n % 500],
             "channel_kind": KINDS[n % 5][0], "rank_at": now, "created_at": now,
             "updated_at": now} for n, c in enumerate(conversations)]))
    analyze = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with analyze.connect() as conn:  # statistics, as a database holding its work has
        conn.execute(text("ANALYZE"))
    analyze.dispose()
    return people, ids


def start(env: dict[str, str], webs: int, workers: int, logs: Path) -> tuple[list, list[str]]:
    processes, urls = [], []

    def spawn(args: list[str], name: str) -> None:
        handle = (logs / f"{name}.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "hub.cli", *args], env=env,
                                   stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        process.group = name.rstrip("0123456789")  # type: ignore[attr-defined]
        processes.append(process)

    for n in range(webs):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        spawn(["serve", "--port", str(port)], f"web{n}")
    for n in range(workers):
        spawn(["worker"], f"worker{n}")
    spawn(["scheduler"], "scheduler")
    deadline = time.monotonic() + 120
    for url in urls:
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
    return processes, urls


def stop(processes: list) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


class CpuMeter:
    """CPU seconds per process type from /proc (process trees, reaped children included)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, processes: list, database: str) -> None:
        self.groups: dict[str, list[int]] = defaultdict(list)
        for process in processes:
            self.groups[process.group].append(process.pid)
        self.groups["client"].append(os.getpid())
        self.database = database

    def snapshot(self) -> dict[str, float]:
        parents, ticks, named = {}, {}, defaultdict(list)
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmd = (entry / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            pid = int(entry.name)
            parents[pid], ticks[pid] = int(fields[1]), sum(int(x) for x in fields[11:15])
            if cmd.startswith(b"postgres: ") and f" {self.database} ".encode() in cmd:
                named["postgres"].append(pid)
            elif cmd.startswith(b"redis-server"):
                named["redis*"].append(pid)
        roots = {p for pids in self.groups.values() for p in pids}
        out = {}
        for name, pids in self.groups.items():
            tree, grown = set(pids), True
            while grown:
                grown = False
                for pid, ppid in parents.items():
                    if ppid in tree and pid not in tree and pid not in roots:
                        tree.add(pid)
                        grown = True
            out[name] = sum(ticks.get(p, 0) for p in tree) / self.TICK
        for name, pids in named.items():
            out[name] = sum(ticks[p] for p in pids) / self.TICK
        return out


# --- simulated advisors ----------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.push: list[float] = []  # offer row created -> offer received
        self.errors: list[str] = []
        self.away = 0
        self.cpu_before: dict[str, float] = {}
        self.cpu_after: dict[str, float] = {}
        self.load: list[float] = []


async def advisor(token: str, url: str, urls: list[str], hold_ms: int, stats: Stats,
                  done: asyncio.Event) -> None:
    inbox: asyncio.Queue = asyncio.Queue()
    sio = socketio.AsyncClient(reconnection=False)
    sio.on("event", lambda m: inbox.put_nowait((time.time(), m)), namespace="/agent")
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector()  # kept alive, as a browser's inbox keeps them
    async with aiohttp.ClientSession(headers=headers, connector=connector) as http:
        await sio.connect(url, namespaces=["/agent"], auth={"token": token},
                          transports=["websocket"], wait_timeout=60)
        # what the inbox does on every (re)connect: events pushed before the socket was
        # ready (an offer made as soon as the advisor became available) are caught up
        async with http.get(f"{url}/api/v1/events", params={"after": 0, "limit": 500}) as got:
            for message in (await got.json())["events"]:
                inbox.put_nowait((time.time(), message))
        seen: set[int] = set()
        while not done.is_set():
            try:
                arrived, message = await asyncio.wait_for(inbox.get(), timeout=0.5)
            except TimeoutError:
                continue
            if message["id"] in seen:
                continue
            seen.add(message["id"])
            if message["event"] == "presence.changed" and message["data"]["status"] == "away":
                stats.away += 1  # missed offers (a slow machine): come back, like a person
                await sio.call("presence", {"status": "available"}, namespace="/agent",
                               timeout=60)
            if message["event"] != "offer.created":
                continue
            offer = message["data"]
            created = _iso(offer["expires_at"]) - OFFER_TIMEOUT
            stats.push.append(arrived - created)  # arrival on the socket, not handling
            try:
                if not offer["auto_accepted"]:
                    reply = await sio.call("accept", {"offer_id": offer["offer_id"]},
                                           namespace="/agent", timeout=60)
                    if not reply["ok"]:
                        stats.errors.append(f"accept: {reply}")
                        continue
                await asyncio.sleep(hold_ms / 1000 * random.random())
                target = random.choice(urls)
                status = await close(http, f"{target}/api/v1/work-items/"
                                           f"{offer['work_item']['id']}/close")
                if status != 200:
                    stats.errors.append(f"close: {status}")
            except Exception as error:  # noqa: BLE001 - counted, the run goes on
                stats.errors.append(repr(error))
        await sio.disconnect()


async def close(http: aiohttp.ClientSession, url: str) -> int:
    """POST the close; once more on a fresh connection if the server had just closed the
    kept-alive one (gunicorn drops idle ones after 2 s: a request sent at that moment is
    cut or reset before it reaches the app), as browsers retry on a reused connection."""
    for attempt in (1, 2):
        try:
            async with http.post(url, json={"wrap_up_code": "resolved"}) as response:
                return response.status
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            if attempt == 2:
                raise
    return 0


def _iso(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


async def drive(args: argparse.Namespace, people: list, items: list[int], urls: list[str],
                redis: Redis, db_url: str, meter: CpuMeter
                ) -> tuple[Stats, list[tuple[float, int]], float]:
    stats, done = Stats(), asyncio.Event()
    engine = make_engine(db_url)
    tasks = [asyncio.create_task(advisor(token, urls[n % len(urls)], urls, args.hold_ms,
                                         stats, done))
             for n, (_uid, token, _cap) in enumerate(people)]
    await asyncio.sleep(3)  # let the sockets connect
    stats.cpu_before, stats.load = meter.snapshot(), [os.getloadavg()[0]]
    pipe = redis.pipeline(transaction=False)
    from rq import Queue

    rq_queue = Queue("entraide", connection=redis)
    if args.trigger == "per-item":
        for item_id in items:
            rq_queue.enqueue_call("workers.routing.route_item", args=(item_id,), result_ttl=0,
                                  pipeline=pipe)
    else:  # what the tick or an advisor getting room queues: batch routing passes
        for _ in range(args.workers):
            rq_queue.enqueue_call("workers.routing.route_backlog", result_ttl=0, pipeline=pipe)
    pipe.execute()
    started, timeline = time.monotonic(), []
    last_change, last_accepted = started, -1
    last_seen, last_progress = (-1, -1), started
    while time.monotonic() - started < args.max_seconds:
        await asyncio.sleep(1)
        with engine.connect() as conn:
            accepted = conn.execute(select(func.count()).select_from(Offer).where(
                Offer.state == OfferState.ACCEPTED)).scalar_one()
            open_items = conn.execute(select(func.count()).select_from(WorkItem).where(
                WorkItem.state != WorkState.CLOSED)).scalar_one()
        timeline.append((time.monotonic() - started, accepted))
        if accepted != last_accepted:
            last_change, last_accepted = time.monotonic(), accepted
        if (accepted, open_items) != last_seen:  # CPU counted until the last progress
            last_seen, last_progress = (accepted, open_items), time.monotonic()
            stats.cpu_after = meter.snapshot()
        print(f"  t={timeline[-1][0]:5.0f}s accepted={accepted} open={open_items}", flush=True)
        stats.load.append(os.getloadavg()[0])
        if open_items == 0:
            break
        if time.monotonic() - last_progress > args.stall_seconds:
            stats.errors.append(f"stalled: {open_items} items still open")
            break
    elapsed = last_change - started  # until the last accept (not the wait after it)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats, timeline, elapsed


# --- verdict ------------------------------------------------------------------------------------


def verify(db_url: str, people: list) -> tuple[int, int]:
    """(double assignments, capacity violations), replayed from the offers table."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Offer.user_id, Offer.work_item_id, Offer.state, Offer.created_at,
                   Offer.answered_at, WorkItem.channel_kind, WorkItem.closed_at)
            .join(WorkItem, WorkItem.id == Offer.work_item_id)).all()
    accepted = defaultdict(int)
    holds = defaultdict(list)
    for uid, item, state, created, answered, kind, closed in rows:
        if state == OfferState.ACCEPTED:
            accepted[item] += 1
        end = closed if state == OfferState.ACCEPTED else answered
        if end is None:
            continue
        cls = {"phone": "voice", "chat": "chat"}.get(kind, "async")
        holds[uid] += [(created, 1, cls), (end, -1, cls)]
    doubles = sum(1 for n in accepted.values() if n > 1)
    caps = {uid: effective_capacity(None, cap) for uid, _t, cap in people}
    violations = 0
    for uid, events in holds.items():
        held = {"voice": 0, "chat": 0, "async": 0}
        for _at, step, cls in sorted(events, key=lambda e: (e[0], e[1])):
            held[cls] += step
            cap = caps[uid]
            if held["voice"] > cap.voice or held["chat"] > cap.chat or \
                    held["async"] > cap.async_ or (held["voice"] and held["chat"]):
                violations += 1
    return doubles, violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=DB)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--advisors", type=int, default=200)
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--hold-ms", type=int, default=0)
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--stall-seconds", type=int, default=45,
                        help="stop when nothing moved for this long")
    parser.add_argument("--trigger", choices=["batch", "per-item"], default="batch",
                        help="batch: route_backlog passes (default); per-item: a route_item "
                             "job per item, as before batch routing")
    parser.add_argument("--auto-accept", action="store_true",
                        help="advisors auto-accept every channel class (issue #4 point 3): "
                             "assigned by the worker, no accept round trip")
    parser.add_argument("--max-pending", type=int, default=None,
                        help="MAX_PENDING_OFFERS for the stack (unanswered offers per "
                             "advisor; 0: no cap); default: the hub's setting")
    args = parser.parse_args()
    if make_url(args.redis).database in (None, "", "0") or \
            not (make_url(args.db).database or "").startswith("bench_routing"):
        sys.exit("refusing: use a bench_routing* database and a Redis DB other than 0 "
                 "(both are emptied)")
    reset(args.db, args.redis)
    people, items = seed(args.db, args.items, args.advisors, args.auto_accept)
    logs = Path(tempfile.mkdtemp(prefix="bench-routing-"))
    env = dict(os.environ, DATABASE_URL=args.db, REDIS_URL=args.redis, LOG_LEVEL="WARNING",
               SECRET_KEY="bench-secret-0123456789abcdef-0123456789",
               OFFER_TIMEOUT_SECONDS=str(OFFER_TIMEOUT), DATA_DIR=str(logs / "data"))
    env.pop("ENTRAIDE_ENV", None)
    if args.max_pending is not None:
        env["MAX_PENDING_OFFERS"] = str(args.max_pending)
    processes, urls = start(env, args.webs, args.workers, logs)
    redis = Redis.from_url(args.redis)
    try:
        meter = CpuMeter(processes, make_url(args.db).database or "")
        stats, timeline, elapsed = asyncio.run(drive(args, people, items, urls, redis, args.db,
                                                     meter))
    finally:
        stop(processes)
    report(args, stats, timeline, elapsed, people, logs)


def report(args: argparse.Namespace, stats: Stats, timeline: list, elapsed: float,
           people: list, logs: Path) -> None:
    accepted = timeline[-1][1] if timeline else 0
    middle = [t for t in timeline if 0.2 * elapsed <= t[0] <= 0.8 * elapsed]
    steady = ((middle[-1][1] - middle[0][1]) / (middle[-1][0] - middle[0][0])
              if len(middle) > 1 and middle[-1][0] > middle[0][0] else float("nan"))
    doubles, violations = verify(args.db, people)
    left = len({k.split(b":")[2] for k in Redis.from_url(args.redis).scan_iter("entraide:load:*")})
    ms = 1000
    pending = os.environ.get("MAX_PENDING_OFFERS", "default") if args.max_pending is None \
        else args.max_pending
    print(f"\nrouting: {args.items} items, {args.advisors} advisors, {args.webs} web, "
          f"{args.workers} workers, hold {args.hold_ms} ms, trigger {args.trigger}, "
          f"auto-accept {'on' if args.auto_accept else 'off'}, max pending {pending} "
          f"(logs: {logs})")
    print(f"  accepted {accepted} in {elapsed:.1f} s: {accepted / elapsed:.0f} routed/s "
          f"overall, {steady:.0f}/s steady")
    print(f"  offer push latency  p50 {pct(stats.push, 50) * ms:.0f} ms  "
          f"p99 {pct(stats.push, 99) * ms:.0f} ms  (n={len(stats.push)})")
    print(f"  double assignments {doubles}, capacity violations {violations}, "
          f"advisors still holding room in Redis {left}, client errors {len(stats.errors)}, "
          f"set away for missed offers {stats.away}")
    if stats.errors:
        print("  first errors:", stats.errors[:3])
    cpu = {name: 1000 * (stats.cpu_after.get(name, 0) - before) / max(1, accepted)
           for name, before in stats.cpu_before.items()}
    print("  CPU ms per routed item: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
          + f"; total {sum(cpu.values()):.1f}")
    if stats.load:
        print(f"  load average (1 min) during the run: min {min(stats.load):.1f}, "
              f"max {max(stats.load):.1f}, mean {statistics.mean(stats.load):.1f}")
    if stats.push:
        print(f"  mean push {statistics.mean(stats.push) * ms:.0f} ms")


if __name__ == "__main__":
    main()
