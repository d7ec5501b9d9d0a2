"""Routing jobs: the periodic tick (timers and safety nets) and batch routing passes.

``tick`` is queued by ``entraide scheduler`` every ``SWEEP_INTERVAL_SECONDS`` as the unique
job ``routing-tick`` (one at a time). Each step runs in its own transaction, so one
failing step does not hold the others back.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from hub.bootstrap import Services
from hub.db import transaction
from hub.routing.availability import grace_over, socket_closed
from hub.routing.batch import BATCH_SIZE, route_batch
from hub.routing.context import route_backlog_after_commit
from hub.routing.dispatch import dispatch, dispatch_waiting, waiting_context
from hub.routing.feed import publish_feed
from hub.routing.models import WorkItem, WorkState
from hub.routing.sla import sla_tick
from hub.routing.upkeep import (
    advisors_with_room,
    release_leaks,
    restore_loads,
    silent_web_sockets,
)
from workers.context import services

log = logging.getLogger(__name__)
TICK_JOB = "workers.routing.tick"
LEAK_CHECK_EVERY = 10.0


def offer_waiting(user_id: int) -> int:
    """An advisor has room: offer them waiting work, one offer per transaction (each
    reaches the advisor as soon as it is made, and locks are held briefly)."""
    svc = services()
    with svc.sessions() as session:
        known = waiting_context(session, user_id)
    made = 0
    while made < 100:
        with transaction(svc.sessions) as session:
            if not dispatch_waiting(session, ctx=svc.routing, user_id=user_id, limit=1,
                                    known=known):
                return made
        made += 1
    return made


def route_backlog(max_passes: int = 50) -> int:
    """Batch routing passes (``hub.routing.batch``), each in its own transaction, until one
    makes no offer or saw every waiting item it could place (fewer than ``BATCH_SIZE``: a
    further pass would find nothing new; an advisor freed meanwhile has asked for the next
    job): queued after commit whenever an advisor gets room or becomes available, and by
    the tick. Returns how many offers were made."""
    svc = services()
    svc.routing.state.start_pass()
    made = 0
    given: Counter[int] = Counter()  # auto-accepted per advisor, for MAX_PENDING_OFFERS
    for _ in range(max_passes):
        with transaction(svc.sessions) as session:
            seen: dict[str, int] = {}
            offered = route_batch(session, ctx=svc.routing, limit=BATCH_SIZE, given=given,
                                  seen=seen)
        made += offered
        if not offered or seen.get("waiting", 0) < BATCH_SIZE:
            break
    return made


def route_item(item_id: int) -> bool:
    """Offer a waiting item now (imports, re-routing after a bulk change, benchmarks)."""
    svc = services()
    with transaction(svc.sessions) as session:
        item = session.get(WorkItem, item_id)
        if item is None or item.state != WorkState.QUEUED:
            return False
        return dispatch(session, ctx=svc.routing, item=item) is not None


def tick(now: float | None = None) -> dict[str, Any]:
    svc = services()
    now = now or time.time()
    done: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("restored", lambda: _in_tx(svc, lambda s: restore_loads(s, ctx=svc.routing))),
        ("offline", lambda: _end_grace(svc, now)),
        ("sla", lambda: _in_tx(svc, lambda s: sla_tick(
            s, step_seconds=svc.settings.PRIORITY_STEP_SECONDS))),
        ("offered", lambda: _offer_backlog(svc)),
        ("leaks", lambda: _check_leaks(svc, now)),
        ("feed", lambda: _in_tx(svc, lambda s: publish_feed(s, ctx=svc.routing))),
    ]
    for name, step in steps:
        try:
            done[name] = step()
        except Exception:  # noqa: BLE001 - one failing step must not stop the others
            log.exception("routing tick: %s failed", name)
    return done


def _in_tx(svc: Services, work: Callable[[Session], Any]) -> Any:
    with transaction(svc.sessions) as session:
        return work(session)


def _end_grace(svc: Services, now: float) -> int:
    ctx = svc.routing
    for user_id, sid in silent_web_sockets(ctx, now):
        sockets = ctx.presence.socket_closed(user_id, sid)
        with transaction(svc.sessions) as session:
            socket_closed(session, ctx=ctx, user_id=user_id, sockets=sockets)
    gone = 0
    for user_id in ctx.presence.due_grace(now):
        with transaction(svc.sessions) as session:
            gone += grace_over(session, ctx=ctx, user_id=user_id)
    return gone


def _offer_backlog(svc: Services) -> int:
    """Queue a batch routing pass if an advisor has room (a pass already queued is not
    queued twice)."""
    with transaction(svc.sessions) as session:
        advisors = advisors_with_room(session, ctx=svc.routing)
        if advisors:
            route_backlog_after_commit(session, ctx=svc.routing)
    return len(advisors)


def _check_leaks(svc: Services, now: float) -> int:
    """At most every LEAK_CHECK_EVERY seconds (the check scans every reservation)."""
    every_ms = int(LEAK_CHECK_EVERY * 1000)
    if not svc.redis.set("entraide:routing:leak-check", "1", nx=True, px=every_ms):
        return 0
    with svc.sessions() as session:
        return release_leaks(session, ctx=svc.routing, now=now)
