"""CPU per event of the intake worker alone: one RQ job per event vs the batched intake.

Stores N inbound SMS events (each from a new number: a new customer, conversation and
work item) straight into the database, then processes them in this process with RQ's
SimpleWorker in burst mode, once as one ``workers.intake.process_event`` job per event
(the path before batching) and once as coalesced ``workers.intake.process_batch`` runs,
and prints the CPU time and wall time per event. No advisor is available, so routing
queues each item (``queue.waiting``) and the figure is the intake's own cost; offers are
measured by ``bench/ingest_e2e.py`` and ``bench/routing.py``. Prints figures; asserts
nothing. Uses its own database and Redis DB (dropped / flushed), refuses the test ones:

    python bench/intake_cpu.py --events 400 --batch-sizes 1,5,20,50
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from redis import Redis
from rq import SimpleWorker
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest_e2e import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    DEFAULT_DB,
    DEFAULT_REDIS,
    HUB_NUMBER,
    check_targets,
    ensure_database,
    reset_stores,
)


def configure(database_url: str, redis_url: str, batch_size: int) -> None:
    os.environ.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENTRAIDE_ENV": "development",
        "PUBLIC_URL": "http://127.0.0.1:9", "TWILIO_ACCOUNT_KEY": "bench",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": HUB_NUMBER, "INTAKE_BATCH_SIZE": str(batch_size),
        "SECRET_KEY": "bench-secret-key-0123456789abcdef-0123456789",
    })
    from workers import context  # noqa: PLC0415

    context.services.cache_clear()


def store(count: int, run: int, *, per_event_jobs: bool) -> None:
    """``count`` stored events, as the hook stores them (one transaction each)."""
    from hub.db import transaction, wake_key  # noqa: PLC0415
    from hub.domain.messages import RawRequest  # noqa: PLC0415
    from hub.intake.service import (  # noqa: PLC0415
        INTAKE,
        PROCESS_JOB,
        PROCESS_RETRY,
        event_job_id,
        store_event,
    )
    from tests.standins.twilio import inbound_sms_params  # noqa: PLC0415
    from workers.context import services  # noqa: PLC0415

    svc = services()
    ids = []
    for n in range(count):
        params = inbound_sms_params(from_=f"+3361{run:02d}{n:05d}", to=HUB_NUMBER,
                                    account_sid=ACCOUNT_SID, body=f"bench {run} {n}")
        req = RawRequest(method="POST", url="http://127.0.0.1:9/hooks/twilio_sms/bench",
                         headers={}, form=tuple(params.items()), query=(), body=b"")
        with transaction(svc.sessions) as session:
            event_id, _ = store_event(session, channel="twilio_sms", account="bench",
                                      key=params["MessageSid"], is_status=False, req=req)
        ids.append(event_id)
    if per_event_jobs:  # the queueing before batching: one job per event
        svc.queue.empty()
        svc.redis.delete(wake_key(INTAKE))
        for event_id in ids:
            svc.queue.enqueue_call(PROCESS_JOB, args=(event_id,), job_id=event_job_id(event_id),
                                   retry=PROCESS_RETRY)


def drain() -> tuple[float, float, int]:
    from hub.intake.models import EventState, InboundEvent  # noqa: PLC0415
    from workers.context import services  # noqa: PLC0415

    svc = services()
    cpu, wall = time.process_time(), time.perf_counter()
    SimpleWorker([svc.queue], connection=svc.redis).work(burst=True, logging_level="ERROR")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    with svc.sessions() as session:
        left = session.scalar(select(func.count()).select_from(InboundEvent)
                              .where(InboundEvent.state == EventState.PENDING))
    return cpu, wall, left


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help="events per mode (default 300)")
    parser.add_argument("--batch-sizes", default="5,20,50",
                        help="INTAKE_BATCH_SIZE values to measure (default 5,20,50)")
    parser.add_argument("--database-url", default=DEFAULT_DB, help="dropped and migrated!")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="flushed!")
    args = parser.parse_args(argv)
    check_targets(args.database_url, args.redis_url)
    ensure_database(args.database_url)
    reset_stores(args.database_url, args.redis_url)
    print(f"load average before: {os.getloadavg()[0]:.1f}; {args.events} events per mode")
    print(f"{'mode':<24}{'CPU ms/event':>14}{'wall ms/event':>15}{'events/s':>10}{'left':>6}")
    modes = [("one job per event", 1, True)] + [
        (f"batches of {size}", size, False) for size in map(int, args.batch_sizes.split(","))
    ]
    for run, (name, size, per_event) in enumerate(modes):
        configure(args.database_url, args.redis_url, size)
        store(args.events, run, per_event_jobs=per_event)
        cpu, wall, left = drain()
        print(f"{name:<24}{1000 * cpu / args.events:>14.1f}{1000 * wall / args.events:>15.1f}"
              f"{args.events / wall:>10.0f}{left:>6}")
    Redis.from_url(args.redis_url).flushdb()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
