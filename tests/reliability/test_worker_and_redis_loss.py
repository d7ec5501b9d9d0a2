"""Accepted webhooks are never lost: not when the worker is dead, not when Redis forgets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.intake.models import EventState, InboundEvent
from hub.settings import Settings
from hub.timeline.models import Interaction
from tests.conftest import HUB_NUMBER, TWILIO_SID, with_settings
from tests.standins.twilio import inbound_sms_params, sign_and_post
from tests.support.processes import free_port
from tests.support.stack import Stack

pytestmark = pytest.mark.reliability


def post_sms(settings: Settings, n: int) -> None:
    params = inbound_sms_params(from_=f"+336123400{n:02d}", to=HUB_NUMBER,
                                account_sid=TWILIO_SID, body=f"message {n}")
    url = f"{settings.PUBLIC_URL}/hooks/twilio_sms/demo"
    assert sign_and_post(url, params, settings.TWILIO_AUTH_TOKEN).status_code == 200


def wait_for(check, timeout: float = 150) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def counts(services) -> tuple[int, int]:
    with services.sessions() as session:
        processed = session.scalar(select(func.count()).select_from(InboundEvent)
                                   .where(InboundEvent.state == EventState.PROCESSED))
        items = session.scalar(select(func.count()).select_from(Interaction))
    return processed, items


@pytest.fixture
def stack(services, settings: Settings, tmp_path: Path):
    running = Stack(with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{free_port()}"),
                    tmp_path)
    yield running
    running.stop()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killed_worker_then_restarted_processes_what_was_accepted(stack: Stack, services):
    stack.start()
    assert stack.worker.process is not None
    worker = stack.worker.process.pid
    stack.worker.kill()  # SIGKILL: no clean shutdown
    # its children too (RQ's scheduler is a forked process), as when a container dies
    assert wait_for(lambda: not group_alive(worker), timeout=10)
    for n in range(5):
        post_sms(stack.settings, n)
    assert counts(services) == (0, 0)
    stack.worker.start()
    assert wait_for(lambda: counts(services) == (5, 5)), stack.logs()


def test_redis_emptied_while_no_worker_runs_the_sweep_requeues(stack: Stack, services):
    stack.start()
    stack.worker.kill()
    for n in range(5):
        post_sms(stack.settings, n)
    services.redis.flushdb()  # worst case: Redis restarted empty, the queued jobs are gone
    stack.worker.start()
    assert wait_for(lambda: counts(services) == (5, 5)), stack.logs()


def test_worker_killed_in_the_middle_of_a_burst_loses_nothing(stack: Stack, services):
    stack.start()
    for n in range(40):
        post_sms(stack.settings, n)
    stack.worker.kill()
    stack.worker.start()
    assert wait_for(lambda: counts(services) == (40, 40)), stack.logs()
