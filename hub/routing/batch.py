"""Batch routing: one pass gives many waiting items to many free advisors.

A pass reads who is available and has room (one Redis round trip each for presence and
loads), locks the best-ranked waiting items those advisors could take
(``FOR UPDATE SKIP LOCKED``: two passes never take the same item), reserves room for all
of them in **one** Lua call (``RoutingState.pick_many``: the same capacity rule as
``pick``, applied item after item in rank order), moves them with one conditional
``UPDATE … RETURNING``, inserts the offers and their outbox rows in multi-row INSERTs and
builds the offers set-wise. The same rules as one-by-one dispatch hold: skills and
languages (``qualifies``), continuity first, then the advisor offered work least
recently; never again to an advisor who declined the item or let it expire; auto-accept
per channel class. Items are taken in queue order (``rank_at``: priority and aging).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hub.db import utcnow
from hub.events import publish_many, user_room
from hub.routing.context import RoutingContext
from hub.routing.dispatch import kinds_for
from hub.routing.models import Offer, OfferKind, OfferState, WorkItem, WorkState
from hub.routing.offers import offer_payloads
from hub.routing.presence import PresenceStatus
from hub.routing.queries import (
    REFUSALS,
    last_advisor_of,
    offer_budgets,
    profiles,
    queue_specs,
)
from hub.routing.sla import mark_responded
from hub.routing.state import Candidate, Wanted
from hub.routing.strategy import VOICE, AdvisorProfile, channel_class, free_classes, qualifies

BATCH_SIZE = 50  # a pass commits its offers together: smaller passes push sooner


def route_batch(session: Session, *, ctx: RoutingContext, limit: int = BATCH_SIZE,
                given: Counter[int] | None = None, seen: dict[str, int] | None = None) -> int:
    """Offer up to ``limit`` waiting items to the available advisors with room, in one
    transaction (the caller commits; offers are pushed after the commit). Returns how
    many offers were made.

    With ``MAX_PENDING_OFFERS`` (``ctx.max_pending_offers``), an advisor gets at most that
    many unanswered offers: offers trickle to them as they answer (an accept asks for the
    next pass) instead of filling their whole capacity in one burst. Auto-accepted items
    are never pending, so ``given`` (kept by the caller across the passes of one routing
    job, updated here) counts them against the same cap. ``seen["waiting"]`` tells the
    caller how many waiting items the pass looked at (fewer than ``limit``: it saw them all)."""
    advisors, room = _free_advisors(session, ctx=ctx)
    budgets = offer_budgets(session, ctx.max_pending_offers, sorted(advisors), given)
    advisors = {uid: a for uid, a in advisors.items() if budgets[uid] != 0}
    room = {uid: classes for uid, classes in room.items() if uid in advisors}
    if not advisors:
        return 0
    items = _waiting(session, advisors, room, limit)
    if seen is not None:
        seen["waiting"] = len(items)
    if not items:
        return 0
    specs = queue_specs(session, sorted({i.queue_id for i in items}))
    refused = _refusals(session, [i.id for i in items])
    previous = _last_advisors(session, items)
    groups: dict[tuple[int, str], list[int]] = {}
    wanted = []
    for item in items:
        key = (item.queue_id, item.language)
        if key not in groups:
            groups[key] = [a.user_id for a in advisors.values()
                           if item.queue_id in a.queue_ids
                           and qualifies(a, specs[item.queue_id], item.language)]
        group = list(groups).index(key)
        excluded = frozenset(refused.get(item.id, ()))
        prev = previous.get(item.id)
        preferred = prev if prev in groups[key] and prev not in excluded else None
        wanted.append(Wanted(item.id, channel_class(item.channel_kind), group, preferred,
                             excluded))
    chosen = ctx.state.pick_many([Candidate(a.user_id, a.capacity, budgets[a.user_id])
                                  for a in advisors.values()], list(groups.values()), wanted)
    by_id = {i.id: i for i in items}
    made = _offer_chosen(session, ctx=ctx, items=by_id, chosen=chosen, advisors=advisors,
                         queue_names={q: s.name for q, s in specs.items()})
    if given is not None:  # auto-accepted: assigned already, never pending
        given.update(user_id for item_id, user_id in chosen.items()
                     if by_id[item_id].state == WorkState.ASSIGNED)
    return made


def _free_advisors(session: Session, *, ctx: RoutingContext
                   ) -> tuple[dict[int, AdvisorProfile], dict[int, list[str]]]:
    """Available advisors with room for something: their profiles, and the capacity
    classes they have room for now (checked again, atomically, when reserving)."""
    available = sorted(uid for uid, status in ctx.presence.all_statuses().items()
                       if status == PresenceStatus.AVAILABLE)
    if not available:
        return {}, {}
    loads = ctx.state.loads(available)
    found = profiles(session, available)
    room = {uid: free_classes(loads[uid], p.capacity) for uid, p in found.items() if p.queue_ids}
    room = {uid: classes for uid, classes in room.items() if classes}
    return {uid: found[uid] for uid in sorted(room)}, room


def _waiting(session: Session, advisors: dict[int, AdvisorProfile],
             room: dict[int, list[str]], limit: int) -> list[WorkItem]:
    """The best-ranked waiting items some free advisor's queue holds, of a capacity class
    one of them has room for; locked (others skip them) until this transaction ends."""
    classes: dict[int, set[str]] = defaultdict(set)
    for advisor in advisors.values():
        for queue_id in advisor.queue_ids:
            classes[queue_id].update(room[advisor.user_id])
    return list(session.scalars(waiting_statement(classes, limit)))


def waiting_statement(classes: dict[int, set[str]], limit: int) -> Select[tuple[WorkItem]]:
    """Waiting items of these queues and capacity classes, best-ranked first (rank, then
    arrival: the order of ix_work_items_queue_state_rank_id, so a one-queue pass reads
    its ``limit`` rows and sorts nothing), locked for this transaction."""
    wanted = or_(*(and_(WorkItem.queue_id == q, kinds_for(sorted(c)))
                   for q, c in sorted(classes.items()) if c))
    return (select(WorkItem).where(WorkItem.state == WorkState.QUEUED, wanted)
            .order_by(WorkItem.rank_at, WorkItem.id).limit(limit)
            .with_for_update(skip_locked=True))


def _refusals(session: Session, item_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for item_id, user_id in session.execute(
            select(Offer.work_item_id, Offer.user_id)
            .where(Offer.work_item_id.in_(item_ids), Offer.state.in_(REFUSALS))):
        found[item_id].add(user_id)
    return found


def _last_advisors(session: Session, items: list[WorkItem]) -> dict[int, int]:
    """Continuity for each item: who handled the customer's latest earlier item (one
    query for the batch; an item older than that latest one asks on its own)."""
    customers = {i.customer_id for i in items if i.customer_id is not None}
    if not customers:
        return {}
    latest = (select(WorkItem.customer_id, func.max(WorkItem.id).label("last"))
              .where(WorkItem.customer_id.in_(customers),
                     WorkItem.assigned_user_id.is_not(None))
              .group_by(WorkItem.customer_id).subquery())
    rows = session.execute(select(latest.c.customer_id, latest.c.last, WorkItem.assigned_user_id)
                           .join(WorkItem, WorkItem.id == latest.c.last))
    last = {cid: (item_id, user_id) for cid, item_id, user_id in rows}
    found = {}
    for item in items:
        if item.customer_id not in last:
            continue
        item_id, user_id = last[item.customer_id]
        if item_id < item.id:
            found[item.id] = user_id
        else:
            earlier = last_advisor_of(session, item.customer_id, before=item.id)
            if earlier is not None:
                found[item.id] = earlier
    return found


def _offer_chosen(session: Session, *, ctx: RoutingContext, items: dict[int, WorkItem],
                  chosen: dict[int, int], advisors: dict[int, AdvisorProfile],
                  queue_names: dict[int, str]) -> int:
    if not chosen:
        return 0
    now = utcnow()
    auto = {item_id: user_id for item_id, user_id in chosen.items()
            if channel_class(items[item_id].channel_kind) in advisors[user_id].capacity.auto_accept}
    moved = set(session.scalars(_move_statement(sorted(chosen), auto, now)))
    for item_id in sorted(set(chosen) - moved):  # cannot happen while we hold the locks
        ctx.state.release(chosen.pop(item_id), item_id)
    offers = []
    for item_id, user_id in sorted(chosen.items()):
        item = items[item_id]
        offer = Offer(work_item_id=item_id, user_id=user_id, kind=OfferKind.ROUTE, note="",
                      expires_at=now + timedelta(seconds=ctx.offer_timeout),
                      auto_accepted=False, state=OfferState.PENDING)
        set_committed_value(item, "updated_at", now)
        if item_id in auto:
            _auto_accept(item, offer, user_id, now)
        else:
            set_committed_value(item, "state", WorkState.OFFERED)
        offers.append(offer)
    session.add_all(offers)
    session.flush()
    payloads = offer_payloads(session, offers=offers, items=items, queue_names=queue_names,
                              accounts=ctx.accounts)
    events: list[tuple[str, str, dict[str, Any]]] = []
    for offer in offers:  # an auto-accepted card says so: no offer.accepted follows
        events.append((user_room(offer.user_id), "offer.created", payloads[offer.id]))
    publish_many(session, events)
    return len(offers)


def _move_statement(item_ids: list[int], auto: dict[int, int], now: Any) -> Any:
    """The chosen items leave the queue in one conditional UPDATE: offered, or assigned
    at once to their advisor where the advisor's profile auto-accepts their class."""
    values: dict[str, Any] = {"state": WorkState.OFFERED, "updated_at": now}
    if auto:
        values["state"] = case((WorkItem.id.in_(sorted(auto)), WorkState.ASSIGNED.value),
                               else_=WorkState.OFFERED.value)
        values["assigned_user_id"] = case(auto, value=WorkItem.id,
                                          else_=WorkItem.assigned_user_id)
    return (update(WorkItem)
            .where(WorkItem.id.in_(item_ids), WorkItem.state == WorkState.QUEUED)
            .values(values)
            .returning(WorkItem.id)
            .execution_options(synchronize_session=False))


def _auto_accept(item: WorkItem, offer: Offer, user_id: int, now: Any) -> None:
    """Auto-accept for this channel class: assigned at once (by ``_move_statement``), no
    accept round trip."""
    offer.state, offer.answered_at, offer.auto_accepted = OfferState.ACCEPTED, now, True
    set_committed_value(item, "state", WorkState.ASSIGNED)
    set_committed_value(item, "assigned_user_id", user_id)
    if channel_class(item.channel_kind) == VOICE:
        mark_responded(item, now)
