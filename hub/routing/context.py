"""What routing services need from the process: Redis state, accounts, settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hub.db import after_commit, effects_of, enqueue_after_commit
from hub.domain.ports import AccountProvider
from hub.routing.presence import Presence
from hub.routing.state import RoutingState

OFFER_WAITING_JOB = "workers.routing.offer_waiting"
ROUTE_ITEM_JOB = "workers.routing.route_item"
ROUTE_BACKLOG_JOB = "workers.routing.route_backlog"


@dataclass(frozen=True)
class RoutingContext:
    presence: Presence
    accounts: AccountProvider
    state: RoutingState
    offer_timeout: int = 20
    kinds: Mapping[str, str] = field(default_factory=dict)  # channel name -> ChannelKind
    grace_seconds: int = 30
    misses_before_away: int = 2
    priority_step: int = 120
    sla_warning_percent: int = 80
    max_pending_offers: int = 0  # offers one advisor may have waiting for an answer (0: any)
    queue_counts_every: int = 5  # seconds between two queue.counts pushes to a queue's members

    def kind_of(self, channel: str) -> str:
        return self.kinds.get(channel, "")


def free_after_commit(session: Session, *, ctx: RoutingContext, user_id: int,
                      item_id: int, follow_up: bool = True) -> None:
    """Once the change that frees the advisor's room is committed (never before: Redis may
    over-count, never under-count), drop the reservation and look for waiting work."""
    after_commit(session, lambda: ctx.state.release(user_id, item_id))
    if follow_up:
        route_backlog_after_commit(session, ctx=ctx)


def route_backlog_after_commit(session: Session, *, ctx: RoutingContext) -> None:
    """An advisor has room (or work is waiting): once this commits, a worker runs batch
    routing passes (``workers.routing.route_backlog``), which offer waiting work to every
    available advisor with room. Web threads stay light: building offers reads the
    customer and the account. Requests made before a queued pass starts share it
    (``RoutingState.request_pass``), so a burst of closes queues one job, not one each."""
    effects = effects_of(session)

    def request() -> None:
        if ctx.state.request_pass():
            effects.enqueue(ROUTE_BACKLOG_JOB, job_id=f"route-backlog-{uuid.uuid4().hex}",
                            result_ttl=0, failure_ttl=30)

    after_commit(session, request)


def route_after_commit(session: Session, item_id: int) -> None:
    """A worker offers the item to the next advisor once this commits."""
    enqueue_after_commit(session, ROUTE_ITEM_JOB, item_id, job_id=f"route-item-{item_id}",
                         result_ttl=0, failure_ttl=30)
