"""An advisor answers an offer, or does not: accept, decline, expiry, withdrawal.

A declined, expired or withdrawn offer puts the item back in its queue; a batch routing
pass, queued after the commit, offers it to the next advisor at once (never again to one
who declined it or let it expire). Missing
``misses_before_away`` offers in a row sets the advisor *away*.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from sqlalchemy import DateTime, bindparam, case, select, update
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import after_commit, utcnow
from hub.domain.errors import NotAllowed
from hub.events import publish, user_room
from hub.routing.context import RoutingContext, free_after_commit, route_backlog_after_commit
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.sla import responded_values
from hub.routing.strategy import VOICE_KINDS

ANSWERS = (OfferState.ACCEPTED, OfferState.DECLINED, OfferState.EXPIRED)


class Answering(Protocol):
    """Who answers an offer: only their id is read (a ``User``, or the socket's advisor
    without loading their row)."""

    @property
    def id(self) -> int: ...


def accept_offer(session: Session, *, ctx: RoutingContext, offer_id: int,
                 user: User | Answering) -> WorkItem:
    offer = _answer(session, offer_id=offer_id, user=user, state=OfferState.ACCEPTED)
    item = session.scalars(
        _assign_statement(),
        {"p_item": offer.work_item_id, "p_user": user.id, "p_now": utcnow()},
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if item is None:  # not offered any more: report it as it is
        item = session.get(WorkItem, offer.work_item_id, populate_existing=True)
    assert item is not None
    if ctx.max_pending_offers > 0:  # under the cap of unanswered offers: the next may come
        route_backlog_after_commit(session, ctx=ctx)
    publish(session, room=user_room(user.id), name="offer.accepted",
            payload={"offer_id": offer.id, "work_item_id": item.id,
                     "conversation_id": item.conversation_id})
    return item


@cache
def _assign_statement() -> Any:
    """offered → assigned, built once (every accept runs it). Answering a call is its
    first response: the same statement stops a call's SLA clock."""
    now = bindparam("p_now", type_=DateTime(timezone=True))
    responded = {column: case((WorkItem.channel_kind.in_(VOICE_KINDS), value),
                              else_=getattr(WorkItem, column))
                 for column, value in responded_values(now).items()}
    return (update(WorkItem)
            .where(WorkItem.id == bindparam("p_item"), WorkItem.state == WorkState.OFFERED)
            .values(state=WorkState.ASSIGNED, assigned_user_id=bindparam("p_user"),
                    updated_at=now, **responded)
            .returning(WorkItem))


@cache
def _answer_statement() -> Any:
    """pending → answered, if still the advisor's and not past its deadline; built once."""
    now = bindparam("p_now", type_=DateTime(timezone=True))
    return (update(Offer)
            .where(Offer.id == bindparam("p_offer"), Offer.user_id == bindparam("p_user"),
                   Offer.state == OfferState.PENDING, Offer.expires_at > now)
            .values(state=bindparam("p_state"), answered_at=now)
            .returning(Offer))


def decline_offer(session: Session, *, ctx: RoutingContext, offer_id: int,
                  user: User | Answering) -> None:
    offer = _answer(session, offer_id=offer_id, user=user, state=OfferState.DECLINED)
    _withdrawn(session, ctx=ctx, offer=offer, reason="declined")


def _answer(session: Session, *, offer_id: int, user: User | Answering,
            state: OfferState) -> Offer:
    """Move the advisor's pending offer to ``state`` (one UPDATE … RETURNING)."""
    offer = session.scalars(
        _answer_statement(),
        {"p_offer": offer_id, "p_user": user.id, "p_state": state, "p_now": utcnow()},
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if offer is not None:
        return offer
    found = session.get(Offer, offer_id, populate_existing=True)
    if found is None or found.user_id != user.id:
        raise NotAllowed("no such offer for this advisor")
    state = "expired" if found.state == OfferState.PENDING else found.state
    raise NotAllowed(f"offer is no longer pending (it is {state})")


def _withdrawn(session: Session, *, ctx: RoutingContext, offer: Offer, reason: str) -> None:
    """The advisor no longer holds the offered item: free their room once committed, tell
    them, and put the item back in its queue; a worker's batch routing pass offers it to
    someone else (never again to an advisor who declined it or let it expire)."""
    free_after_commit(session, ctx=ctx, user_id=offer.user_id, item_id=offer.work_item_id,
                      follow_up=False)
    publish(session, room=user_room(offer.user_id), name="offer.withdrawn",
            payload={"offer_id": offer.id, "reason": reason})
    requeued = session.execute(
        update(WorkItem)
        .where(WorkItem.id == offer.work_item_id, WorkItem.state == WorkState.OFFERED)
        .values(state=WorkState.QUEUED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if requeued or reason in ("declined", "expired"):  # the advisor has room again too
        route_backlog_after_commit(session, ctx=ctx)


def expire_offers(session: Session, *, ctx: RoutingContext, limit: int = 200) -> int:
    """Pending offers past their deadline go to the next advisor; the advisor who let
    them pass is marked missed (and *away* after ``misses_before_away`` in a row). Keep
    ``limit`` small: the new offers reach their advisors only when this commits."""
    expired = list(session.scalars(
        select(Offer).where(Offer.state == OfferState.PENDING, Offer.expires_at <= utcnow())
        .order_by(Offer.expires_at).limit(limit).with_for_update(skip_locked=True)
    ))
    for offer in expired:
        moved = session.execute(
            update(Offer).where(Offer.id == offer.id, Offer.state == OfferState.PENDING)
            .values(state=OfferState.EXPIRED, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            continue
        _withdrawn(session, ctx=ctx, offer=offer, reason="expired")
        _count_miss(session, ctx=ctx, user_id=offer.user_id)
    return len(expired)


def _count_miss(session: Session, *, ctx: RoutingContext, user_id: int) -> None:
    limit = ctx.misses_before_away
    last = list(session.scalars(
        select(Offer.state).where(Offer.user_id == user_id, Offer.state.in_(ANSWERS))
        .order_by(Offer.answered_at.desc(), Offer.id.desc()).limit(limit)
    ))
    if len(last) < limit or any(state != OfferState.EXPIRED for state in last):
        return
    after_commit(session, lambda: _away_unless_changed(ctx, user_id))
    publish(session, room=user_room(user_id), name="presence.changed",
            payload={"user_id": user_id, "status": PresenceStatus.AWAY.value,
                     "reason": "missed_offers", "missed": limit})


def _away_unless_changed(ctx: RoutingContext, user_id: int) -> None:
    if ctx.presence.status(user_id) == PresenceStatus.AVAILABLE:
        ctx.presence.set_status(user_id, PresenceStatus.AWAY)


def withdraw_offers(session: Session, *, ctx: RoutingContext, user_id: int,
                    reason: str = "offline") -> int:
    """The advisor left (grace over, away, offline): their pending offers go back to the
    queue. Work they accepted stays theirs."""
    pending = list(session.scalars(
        select(Offer).where(Offer.user_id == user_id, Offer.state == OfferState.PENDING)
    ))
    for offer in pending:
        moved = session.execute(
            update(Offer).where(Offer.id == offer.id, Offer.state == OfferState.PENDING)
            .values(state=OfferState.WITHDRAWN, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            _withdrawn(session, ctx=ctx, offer=offer, reason=reason)
    return len(pending)
