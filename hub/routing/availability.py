"""Presence changes and what they do to routing: sockets open and close, an advisor
chooses a status, a grace period ends.

* The first socket of an *offline* advisor makes them *available*; an available advisor
  is offered waiting work at once (by a worker's batch routing pass: ``route-backlog-…``).
* When the last socket closes, the advisor stays as they were for ``grace_seconds`` (a
  page reload, a flaky network); then they go *offline* and their pending offers go back
  to the queue. Accepted work stays theirs.
* Choosing *away* or *offline* also gives pending offers back.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.events import publish, user_room
from hub.routing.answers import withdraw_offers
from hub.routing.context import RoutingContext, route_backlog_after_commit
from hub.routing.presence import PresenceStatus

CHOOSABLE = (PresenceStatus.AVAILABLE, PresenceStatus.AWAY, PresenceStatus.OFFLINE)


def socket_opened(session: Session, *, ctx: RoutingContext, user_id: int, sockets: int) -> None:
    """The advisor's socket is registered (``Presence.socket_opened``); ``sockets`` open now."""
    if sockets == 1 and ctx.presence.status(user_id) == PresenceStatus.OFFLINE:
        ctx.presence.set_status(user_id, PresenceStatus.AVAILABLE)
    if ctx.presence.status(user_id) == PresenceStatus.AVAILABLE:
        route_backlog_after_commit(session, ctx=ctx)


def socket_closed(session: Session, *, ctx: RoutingContext, user_id: int, sockets: int) -> None:
    """A socket of the advisor is gone (``Presence.socket_closed``); ``sockets`` remain."""
    if sockets > 0:
        return
    if ctx.grace_seconds > 0:
        ctx.presence.start_grace(user_id, ctx.grace_seconds)
    else:
        grace_over(session, ctx=ctx, user_id=user_id)


def grace_over(session: Session, *, ctx: RoutingContext, user_id: int) -> bool:
    """The advisor did not come back: offline, pending offers withdrawn."""
    if ctx.presence.socket_count(user_id) > 0:
        return False
    ctx.presence.set_status(user_id, PresenceStatus.OFFLINE)
    withdraw_offers(session, ctx=ctx, user_id=user_id, reason="offline")
    return True


def choose_status(session: Session, *, ctx: RoutingContext, user_id: int,
                  status: PresenceStatus) -> None:
    if status not in CHOOSABLE:
        raise ValueError(f"status must be one of {[s.value for s in CHOOSABLE]}")
    ctx.presence.set_status(user_id, status)
    publish(session, room=user_room(user_id), name="presence.changed",
            payload={"user_id": user_id, "status": status.value, "reason": "chosen"})
    if status == PresenceStatus.AVAILABLE:
        route_backlog_after_commit(session, ctx=ctx)
    else:
        withdraw_offers(session, ctx=ctx, user_id=user_id, reason=status.value)
