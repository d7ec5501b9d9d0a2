"""Offers: give a queued item to the best advisor, or an advisor the best waiting item.

Room is reserved atomically in Redis (``RoutingState.pick``) before the work item moves
``queued -> offered`` with a conditional UPDATE: an item is offered to one advisor at a
time and an advisor never holds more than their capacity, whichever process routes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hub.db import utcnow
from hub.events import publish, queue_room, user_room
from hub.routing.context import RoutingContext
from hub.routing.models import Offer, OfferKind, OfferState, WorkItem, WorkState
from hub.routing.offers import offer_payload
from hub.routing.presence import PresenceStatus
from hub.routing.queries import (
    REFUSALS,
    last_advisor_of,
    offer_budgets,
    profile_of,
    queue_profiles,
    queue_spec,
    queue_specs,
    refused_by,
)
from hub.routing.sla import mark_responded
from hub.routing.state import Candidate
from hub.routing.strategy import (
    ASYNC,
    CHAT,
    VOICE,
    AdvisorProfile,
    channel_class,
    free_classes,
    qualifies,
)

WAITING_BATCH = 20


def dispatch(session: Session, *, ctx: RoutingContext, item: WorkItem,
             exclude: frozenset[int] = frozenset(), new: bool = False) -> Offer | None:
    """Offer a queued item to the best advisor: the one who last served this customer if
    they can take it, else the qualified, available advisor with room who was offered work
    least recently. None leaves it queued (a ``new`` item is announced to its queue).
    An item another transaction is offering (its row is locked) is left to it."""
    mine = session.scalar(
        select(WorkItem.id)
        .where(WorkItem.id == item.id, WorkItem.state == WorkState.QUEUED)
        .with_for_update(skip_locked=True)
    )
    if mine is None:
        return None
    spec = queue_spec(item.queue)
    refused = refused_by(session, item.id) | exclude
    eligible = [p for p in queue_profiles(session, item.queue_id)
                if p.user_id not in refused and qualifies(p, spec, item.language)]
    statuses = ctx.presence.statuses([p.user_id for p in eligible])
    eligible = [p for p in eligible if statuses[p.user_id] == PresenceStatus.AVAILABLE]
    if ctx.max_pending_offers > 0 and eligible:  # MAX_PENDING_OFFERS: not to the swamped
        budgets = offer_budgets(session, ctx.max_pending_offers, [p.user_id for p in eligible])
        eligible = [p for p in eligible if budgets[p.user_id] != 0]
    previous = last_advisor_of(session, item.customer_id, before=item.id)
    eligible.sort(key=lambda p: p.user_id != previous)
    preferred = 1 if eligible and eligible[0].user_id == previous else 0
    chosen = ctx.state.pick(item.id, channel_class(item.channel_kind),
                            [Candidate(p.user_id, p.capacity) for p in eligible], preferred)
    if chosen is None:
        if new:
            publish(session, room=queue_room(item.queue_id), name="queue.waiting",
                    payload={"work_item_id": item.id, "queue_id": item.queue_id})
        return None
    advisor = next(p for p in eligible if p.user_id == chosen)
    return offer_reserved(session, ctx=ctx, item=item, advisor=advisor)


def offer_reserved(
    session: Session, *, ctx: RoutingContext, item: WorkItem, advisor: AdvisorProfile,
    kind: OfferKind = OfferKind.ROUTE, note: str = "", extra: dict[str, Any] | None = None,
) -> Offer | None:
    """The advisor's room is reserved: move the item to *offered* (or *assigned* when the
    advisor auto-accepts this channel) and tell them. Releases the room if another process
    took the item first."""
    moved = session.execute(
        update(WorkItem)
        .where(WorkItem.id == item.id, WorkItem.state == WorkState.QUEUED)
        .values(state=WorkState.OFFERED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        ctx.state.release(advisor.user_id, item.id)  # nothing committed holds it
        return None
    now = utcnow()
    set_committed_value(item, "state", WorkState.OFFERED)
    auto = kind == OfferKind.ROUTE and channel_class(item.channel_kind) in \
        advisor.capacity.auto_accept
    offer = Offer(work_item_id=item.id, user_id=advisor.user_id, kind=kind, note=note,
                  expires_at=now + timedelta(seconds=ctx.offer_timeout))
    if auto:
        offer.state, offer.answered_at, offer.auto_accepted = OfferState.ACCEPTED, now, True
        item.state, item.assigned_user_id = WorkState.ASSIGNED, advisor.user_id
        item.updated_at = now
        if channel_class(item.channel_kind) == VOICE:
            mark_responded(item, now)
    session.add(offer)
    session.flush()
    payload = offer_payload(session, offer=offer, accounts=ctx.accounts)
    payload.update(extra or {})
    # auto-accepted: the card (``auto_accepted``) is the assignment; no offer.accepted
    publish(session, room=user_room(advisor.user_id), name="offer.created", payload=payload)
    return offer


def dispatch_waiting(session: Session, *, ctx: RoutingContext, user_id: int,
                     limit: int = 100, known: tuple[AdvisorProfile, dict] | None = None
                     ) -> int:
    """An advisor has room: offer them the best-ranked waiting items of their queues they
    qualify for, until their room is used up (or ``limit`` offers). Returns how many
    offers were made. ``known``: their profile and queue specs, already read."""
    if ctx.presence.status(user_id) != PresenceStatus.AVAILABLE:
        return 0
    advisor, specs = known or waiting_context(session, user_id)
    if advisor is None or not advisor.queue_ids:
        return 0
    made = 0
    while made < limit:
        classes = free_classes(ctx.state.load(user_id), advisor.capacity)
        if not classes:
            return made
        offered = _offer_next(session, ctx=ctx, advisor=advisor, specs=specs, classes=classes)
        if not offered:
            return made
        made += 1
    return made


def waiting_context(session: Session, user_id: int) -> tuple[Any, dict]:
    """The advisor's profile and their queues' specs (what ``dispatch_waiting`` reads)."""
    advisor = profile_of(session, user_id)
    if advisor is None:
        return None, {}
    return advisor, queue_specs(session, sorted(advisor.queue_ids))


def _offer_next(session: Session, *, ctx: RoutingContext, advisor: AdvisorProfile,
                specs: dict[int, Any], classes: list[str]) -> bool:
    refused = exists().where(Offer.work_item_id == WorkItem.id,
                             Offer.user_id == advisor.user_id, Offer.state.in_(REFUSALS))
    waiting = session.scalars(
        select(WorkItem)
        .where(WorkItem.queue_id.in_(sorted(advisor.queue_ids)),
               WorkItem.state == WorkState.QUEUED, kinds_for(classes), not_(refused))
        .order_by(WorkItem.rank_at, WorkItem.id)
        .limit(WAITING_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for item in waiting:
        if not qualifies(advisor, specs[item.queue_id], item.language):
            continue
        cls = channel_class(item.channel_kind)
        if ctx.state.pick(item.id, cls, [Candidate(advisor.user_id, advisor.capacity)], 1) \
                is None:
            continue
        if offer_reserved(session, ctx=ctx, item=item, advisor=advisor) is not None:
            return True
    return False


def kinds_for(classes: list[str]) -> Any:
    """SQL for "the item's channel kind belongs to one of these capacity classes"."""
    tests = []
    if VOICE in classes:
        tests.append(WorkItem.channel_kind == "phone")
    if CHAT in classes:
        tests.append(WorkItem.channel_kind == "chat")
    if ASYNC in classes:
        tests.append(and_(WorkItem.channel_kind != "phone", WorkItem.channel_kind != "chat"))
    return or_(*tests)
