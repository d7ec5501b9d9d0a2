"""One lead intake run at a time: it holds the wake key while it works, lingers after a
short batch so the next one holds more, lets the key go when nothing is left (without
stranding an event stored as it lets go) and calls a helper when a claim comes back full."""

from __future__ import annotations

import threading
import time

from hub.db import wake_key
from hub.intake.models import EventState, InboundEvent
from hub.intake.service import HELP, INTAKE
from tests.conftest import run_jobs
from tests.workers.helpers import count, post_signed, sms
from workers import context as worker_context
from workers.intake import _still_needed, process_batch

NUMBERS = [f"+3361299{n:04d}" for n in range(8)]


def use(monkeypatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    worker_context.services.cache_clear()


def queued(services) -> list[str]:
    return [job.func_name for job in services.queue.jobs]


def test_a_finished_run_lets_the_key_go_so_the_next_webhook_wakes_a_run(client, services):
    post_signed(client, sms("Bonjour", from_=NUMBERS[0]))
    services.queue.empty()

    assert process_batch() == 1
    assert not services.redis.exists(wake_key(INTAKE))
    post_signed(client, sms("Encore moi", from_=NUMBERS[1]))
    assert queued(services) == ["workers.intake.process_batch"]


def test_webhooks_stored_while_the_lead_run_works_join_it(
    client, services, db_session, monkeypatch
):
    use(monkeypatch, INTAKE_LINGER_MS="400")
    post_signed(client, sms("Premier", from_=NUMBERS[0]))
    services.queue.empty()

    def later() -> None:  # lands while the run lingers after its first (short) batch
        time.sleep(0.15)
        post_signed(client, sms("Second", from_=NUMBERS[1]))

    sender = threading.Thread(target=later)
    sender.start()
    applied = process_batch()
    sender.join()

    assert applied == 2  # the same run took the second one
    assert queued(services) == []  # and its webhook woke nobody
    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 2


def test_an_event_stored_as_the_run_lets_go_is_not_stranded(client, services, monkeypatch):
    services.redis.set(wake_key(INTAKE), "running")  # a lead run is at work
    post_signed(client, sms("Juste à temps", from_=NUMBERS[0]))
    services.queue.empty()  # (the webhook found the key: it woke nobody anyway)
    svc = worker_context.services()

    assert _still_needed(svc) is True  # the run looks again and takes the key back
    assert services.redis.exists(wake_key(INTAKE))
    assert process_batch() == 1
    assert _still_needed(svc) is False
    assert not services.redis.exists(wake_key(INTAKE))


def test_a_full_claim_calls_a_helper_that_stops_at_a_short_claim(
    client, services, db_session, monkeypatch
):
    use(monkeypatch, INTAKE_BATCH_SIZE="2", INTAKE_LINGER_MS="0")
    for n in range(5):
        post_signed(client, sms(f"message {n}", from_=NUMBERS[n]))
    services.queue.empty()

    assert process_batch() == 5
    assert queued(services) == ["workers.intake.help_batch"]  # one helper, not one per claim
    assert services.redis.exists(wake_key(HELP))
    run_jobs(services)  # the helper finds nothing left and stops
    assert not services.redis.exists(wake_key(HELP))
    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 5
