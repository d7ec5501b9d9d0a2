"""Handling assigned work: transfer (to a queue or an advisor, with a note), hold and
resume, close with a wrap-up code. Closing or transferring frees the advisor's room
once committed.

The assignee may act on their item; supervisors and admins on any item (and may also
move a waiting item to another queue or hand it to an advisor).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import DateTime, bindparam, exists, true, update
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.events import publish, user_room
from hub.routing.admin import Invalid, Missing, active_wrap_up_code
from hub.routing.context import RoutingContext, free_after_commit
from hub.routing.dispatch import dispatch, offer_reserved
from hub.routing.models import OfferKind, Queue, Transfer, WorkItem, WorkState, WrapUpCode
from hub.routing.queries import profile_of
from hub.routing.sla import responded_values
from hub.routing.state import Candidate
from hub.routing.strategy import channel_class


def work_item_for(session: Session, *, user: User, item_id: int) -> WorkItem:
    """The item, if this user may act on it; a refusal never says whether it exists."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise Missing("no such work item")
    if user.is_supervisor or item.assigned_user_id == user.id and \
            item.state == WorkState.ASSIGNED:
        return item
    raise Missing("no such work item")


def close_work(session: Session, *, ctx: RoutingContext, item_id: int, user: User,
               wrap_up_code: str, note: str = "") -> WorkItem:
    """One conditional ``UPDATE … RETURNING`` closes the item if this user may (the
    assignee, or a supervisor) and the wrap-up code is active, and stops its SLA clock;
    the refusals are worked out only when it matched nothing."""
    item = session.scalars(
        _close_statement(any_assignee=user.is_supervisor),
        {"p_item": item_id, "p_user": user.id, "p_now": utcnow(), "p_code": wrap_up_code,
         "p_note": note},
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if item is None:
        found = work_item_for(session, user=user, item_id=item_id)  # 404 if not theirs
        if found.state != WorkState.ASSIGNED:
            raise NotAllowed(f"the work item is {found.state}, not {WorkState.ASSIGNED}")
        active_wrap_up_code(session, wrap_up_code)  # raises: the code is what failed
        raise NotAllowed("the work item changed while it was being closed")
    assert item.assigned_user_id is not None
    free_after_commit(session, ctx=ctx, user_id=item.assigned_user_id, item_id=item.id)
    publish(session, room=user_room(item.assigned_user_id), name="work.closed",
            payload={"work_item_id": item.id, "conversation_id": item.conversation_id,
                     "wrap_up_code": wrap_up_code, "closed_by": user.id})
    return item


@cache
def _close_statement(*, any_assignee: bool) -> Any:
    """close_work's UPDATE, built once (building it cost more CPU than running it)."""
    now = bindparam("p_now", type_=DateTime(timezone=True))
    mine = true() if any_assignee else WorkItem.assigned_user_id == bindparam("p_user")
    code = bindparam("p_code")
    active = exists().where(WrapUpCode.code == code, WrapUpCode.active.is_(True))
    return (update(WorkItem)
            .where(WorkItem.id == bindparam("p_item"), WorkItem.state == WorkState.ASSIGNED,
                   mine, active)
            .values(state=WorkState.CLOSED, closed_at=now, wrap_up_code=code,
                    wrap_up_note=bindparam("p_note"), held_at=None, updated_at=now,
                    **responded_values(now))
            .returning(WorkItem))


def hold_work(session: Session, *, item_id: int, user: User, hold: bool) -> WorkItem:
    """Put the customer on hold, or take them back. The item keeps its room."""
    item = work_item_for(session, user=user, item_id=item_id)
    now = utcnow()
    _move(session, item, frm=WorkState.ASSIGNED, state=WorkState.ASSIGNED,
          held_at=now if hold else None, updated_at=now)
    assert item.assigned_user_id is not None
    publish(session, room=user_room(item.assigned_user_id),
            name="work.held" if hold else "work.resumed",
            payload={"work_item_id": item.id, "conversation_id": item.conversation_id,
                     "held_since": now.isoformat() if hold else None})
    return item


def transfer_work(
    session: Session, *, ctx: RoutingContext, item_id: int, user: User,
    queue_id: int | None = None, to_user_id: int | None = None, note: str = "",
) -> WorkItem:
    """Hand the item to another queue (it is offered there, keeping its place by waiting
    time) or straight to an advisor (an offer they accept or decline, with the note)."""
    item = work_item_for(session, user=user, item_id=item_id)
    if item.state not in (WorkState.ASSIGNED, WorkState.QUEUED):
        raise NotAllowed(f"only assigned or waiting work can be transferred (it is {item.state})")
    if queue_id is not None and session.get(Queue, queue_id) is None:
        raise Invalid("queue_id", "no such queue")
    target = profile_of(session, to_user_id) if to_user_id is not None else None
    if to_user_id is not None and (target is None or to_user_id == item.assigned_user_id):
        raise Invalid("user_id", "no such advisor, or they already have this item")
    previous = item.assigned_user_id if item.state == WorkState.ASSIGNED else None
    _move(session, item, frm=WorkState(item.state), state=WorkState.QUEUED,
          assigned_user_id=None, held_at=None, queue_id=queue_id or item.queue_id,
          updated_at=utcnow())
    session.add(Transfer(work_item_id=item.id, by_user_id=user.id, from_user_id=previous,
                         to_queue_id=queue_id, to_user_id=to_user_id, note=note))
    if previous is not None:
        free_after_commit(session, ctx=ctx, user_id=previous, item_id=item.id)
        publish(session, room=user_room(previous), name="work.transferred",
                payload={"work_item_id": item.id, "conversation_id": item.conversation_id,
                         "to_queue_id": queue_id, "to_user_id": to_user_id, "note": note,
                         "by_user_id": user.id})
    session.flush()
    if target is None:
        dispatch(session, ctx=ctx, item=item,
                 exclude=frozenset({previous}) if previous else frozenset())
        return item
    reserved = ctx.state.pick(item.id, channel_class(item.channel_kind),
                              [Candidate(target.user_id, target.capacity)], 1)
    if reserved is None or offer_reserved(session, ctx=ctx, item=item, advisor=target,
                                          kind=OfferKind.TRANSFER, note=note) is None:
        raise NotAllowed("that advisor is not available or has no room for it")
    return item


def _move(session: Session, item: WorkItem, *, frm: WorkState, state: WorkState,
          **values: object) -> None:
    """A conditional UPDATE … RETURNING: ``item`` is refreshed by the same statement."""
    moved = session.scalars(
        update(WorkItem).where(WorkItem.id == item.id, WorkItem.state == frm)
        .values(state=state, **values)
        .returning(WorkItem),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if moved is None:
        session.refresh(item)
        raise NotAllowed(f"the work item is {item.state}, not {frm}")
