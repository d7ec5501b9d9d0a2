"""The intake in batches: one run for many webhooks, one bad event isolated, duplicates
ignored, concurrent batch workers never process an event twice, one conversation's
messages kept in order."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

import workers.intake
from hub.customers.models import Customer
from hub.intake.models import EventState, InboundEvent
from hub.routing.models import WorkItem
from hub.timeline.models import Conversation, Interaction
from tests.conftest import run_jobs, settings_env
from tests.support.processes import LIVE
from tests.workers.helpers import count, post_signed, scheduled_job_ids, sms
from workers import context as worker_context
from workers.intake import process_batch
from workers.reconciler import sweep

NUMBERS = [f"+3361234{n:04d}" for n in range(12)]


def bodies_by_conversation(session) -> dict[str, list[str]]:
    """Each conversation's inbound bodies in timeline order (occurred_at, id)."""
    session.expire_all()
    rows = session.execute(
        select(Conversation.thread_key, Interaction.body)
        .join(Interaction, Interaction.conversation_id == Conversation.id)
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    found: dict[str, list[str]] = {}
    for thread, body in rows:
        found.setdefault(thread, []).append(body)
    return found


def test_many_webhooks_wake_one_run_that_records_them_in_one_batch(
    client, services, db_session
):
    for n, number in enumerate(NUMBERS[:5]):
        post_signed(client, sms(f"message {n}", from_=number))
    assert services.queue.count == 1  # one coalesced run, not one job per webhook

    assert process_batch() == 5
    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 5
    for model in (Customer, Conversation, Interaction, WorkItem):
        assert count(db_session, model) == 5, model.__name__
    assert process_batch() == 0  # nothing is claimed twice


def test_a_run_claims_batch_after_batch_until_nothing_is_left(
    client, services, db_session, monkeypatch
):
    monkeypatch.setenv("INTAKE_BATCH_SIZE", "2")
    worker_context.services.cache_clear()
    for n in range(5):
        post_signed(client, sms(f"message {n}", from_=NUMBERS[n]))

    run_jobs(services)

    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 5
    assert count(db_session, Interaction) == 5


def test_a_poison_event_fails_alone_and_the_rest_of_its_batch_lands(
    client, services, db_session, monkeypatch
):
    real_record = workers.intake.record_inbounds

    def record(session, entries, **kwargs):  # the batch fails, then the poison one alone
        if any(item.body == "poison" for _conversation, item in entries):
            raise RuntimeError("cannot record this one")
        return real_record(session, entries, **kwargs)

    monkeypatch.setattr(workers.intake, "record_inbounds", record)
    post_signed(client, sms("avant", from_=NUMBERS[0]))
    post_signed(client, sms("poison", from_=NUMBERS[1]))
    bad = sms("pièce jointe", from_=NUMBERS[2]) | {"NumMedia": "plenty"}
    post_signed(client, bad)
    post_signed(client, sms("après", from_=NUMBERS[3]))

    assert process_batch() == 3  # the poison event is not applied

    db_session.expire_all()
    events = {e.id: e for e in db_session.scalars(select(InboundEvent))}
    states = [(e.state, e.attempts) for e in sorted(events.values(), key=lambda e: e.id)]
    assert states == [("processed", 0), ("pending", 1), ("failed", 0), ("processed", 0)]
    poison = sorted(events)[1]
    assert events[poison].error == "RuntimeError: cannot record this one"
    assert "NumMedia" in events[sorted(events)[2]].error
    assert sorted(db_session.scalars(select(Interaction.body))) == ["après", "avant"]
    assert count(db_session, WorkItem) == 2
    # The poison event has its own retry job; batches no longer claim it.
    assert scheduled_job_ids(services) == [f"event-{poison}"]
    assert process_batch() == 0


def test_duplicate_deliveries_are_stored_once_and_recorded_once(client, services, db_session):
    first = sms("Bonjour", from_=NUMBERS[0], sid="SM" + "1" * 32)
    for _ in range(3):
        post_signed(client, first)
    post_signed(client, sms("Autre", from_=NUMBERS[1]))

    run_jobs(services)
    post_signed(client, first)  # again, after it was processed
    run_jobs(services)

    assert count(db_session, InboundEvent) == 2
    assert sorted(db_session.scalars(select(Interaction.body))) == ["Autre", "Bonjour"]


def test_one_conversations_messages_stay_in_order_within_a_batch(client, services, db_session):
    for n in range(4):
        for number in NUMBERS[:3]:
            post_signed(client, sms(f"{n}", from_=number))

    assert process_batch() == 12

    found = bodies_by_conversation(db_session)
    assert len(found) == 3
    assert all(bodies == ["0", "1", "2", "3"] for bodies in found.values()), found


def test_a_lost_wake_is_repaired_by_the_sweep(client, services, db_session):
    post_signed(client, sms("réveil perdu"))
    services.redis.flushdb()  # the queued run and its wake key are gone

    assert sweep()["events"] == 1
    run_jobs(services)
    assert count(db_session, Interaction) == 1


BATCH_WORKER = """
import sys, time
from sqlalchemy import func, select
from hub.intake.models import EventState, InboundEvent
from workers.context import services
from workers.intake import process_batch

svc = services()
svc.redis.incr("test:intake:ready")
while not svc.redis.exists("test:intake:go"):
    time.sleep(0.005)
applied = 0
while True:
    applied += process_batch()
    with svc.sessions() as session:
        left = session.scalar(select(func.count()).select_from(InboundEvent)
                              .where(InboundEvent.state == EventState.PENDING))
    if not left:
        break
print(applied)
"""


@pytest.mark.reliability
def test_concurrent_batch_workers_never_take_an_event_twice_and_keep_each_thread_in_order(
    client, services, settings, db_session, tmp_path: Path
):
    rounds, numbers = 20, NUMBERS[:3]  # few threads: concurrent batches share each one
    for n in range(rounds):
        for number in numbers:
            post_signed(client, sms(f"{n}", from_=number))
    total = rounds * len(numbers)
    services.redis.flushdb()  # no queued run: only the processes below work

    env = {**os.environ, **settings_env(settings), "INTAKE_BATCH_SIZE": "2",
           "PYTHONPATH": str(Path(__file__).parents[2])}
    workers_ = []
    for n in range(3):
        log = (tmp_path / f"batch-{n}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-c", BATCH_WORKER], env=env,
                                   stdout=subprocess.PIPE, stderr=log)
        LIVE.append(process)
        workers_.append(process)
    _wait_until(lambda: int(services.redis.get("test:intake:ready") or 0) == 3, workers_)
    services.redis.set("test:intake:go", "1")
    applied = []
    for process in workers_:
        out, _ = process.communicate(timeout=240)
        assert process.returncode == 0, (tmp_path / "batch-0.log").read_text()
        applied.append(int(out.decode().split()[-1]))

    assert sum(applied) == total, applied  # each event applied by exactly one process
    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == total
    assert count(db_session, Interaction) == total
    assert count(db_session, Customer) == len(numbers)
    assert count(db_session, Conversation) == len(numbers)  # no thread opened twice
    expected = [str(n) for n in range(rounds)]
    found = bodies_by_conversation(db_session)
    assert all(bodies == expected for bodies in found.values()), found
    by_id: dict[int, list[str]] = {}
    for conversation_id, body in db_session.execute(
        select(Interaction.conversation_id, Interaction.body).order_by(Interaction.id)
    ):
        by_id.setdefault(conversation_id, []).append(body)
    assert all(bodies == expected for bodies in by_id.values()), by_id  # ids in order too


def _wait_until(check, processes, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert all(p.poll() is None for p in processes), "a batch worker died early"
        assert time.monotonic() < deadline, "batch workers did not start"
        time.sleep(0.05)
