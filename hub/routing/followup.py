"""After the fact: reopen closed work, and tag work from the inbox.

Reopening puts the item back in its queue (routing offers it again, preferring the
advisor who last served the customer); the advisor who closed it or a supervisor may.
Tags are free labels (at most ``MAX_TAGS``), set by the assignee or a supervisor.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.events import publish, queue_room, user_room
from hub.routing.admin import Invalid, Missing
from hub.routing.context import RoutingContext
from hub.routing.dispatch import dispatch
from hub.routing.handling import work_item_for
from hub.routing.models import WorkItem, WorkState

MAX_TAGS = 10
MAX_TAG_LENGTH = 40


def reopen_work(session: Session, *, ctx: RoutingContext, item_id: int, user: User,
                note: str = "") -> WorkItem:
    item = session.get(WorkItem, item_id)
    if item is None or not (user.is_supervisor or item.assigned_user_id == user.id):
        raise Missing("no such work item")
    now = utcnow()
    moved = session.execute(
        update(WorkItem).where(WorkItem.id == item.id, WorkItem.state == WorkState.CLOSED)
        .values(state=WorkState.QUEUED, assigned_user_id=None, closed_at=None,
                wrap_up_code=None, held_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(item)
    if not moved:
        raise NotAllowed(f"only closed work can be reopened (it is {item.state})")
    payload = {"work_item_id": item.id, "conversation_id": item.conversation_id,
               "queue_id": item.queue_id, "by_user_id": user.id, "note": note}
    publish(session, room=user_room(user.id), name="work.reopened", payload=payload)
    publish(session, room=queue_room(item.queue_id), name="work.reopened", payload=payload)
    session.flush()
    dispatch(session, ctx=ctx, item=item, new=True)
    return item


def tag_work(session: Session, *, item_id: int, user: User, tags: list[str]) -> WorkItem:
    item = work_item_for(session, user=user, item_id=item_id)
    cleaned = sorted({t.strip().lower() for t in tags if t.strip()})
    if len(cleaned) > MAX_TAGS:
        raise Invalid("tags", f"at most {MAX_TAGS} tags")
    if any(len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise Invalid("tags", f"a tag has at most {MAX_TAG_LENGTH} characters")
    item.tags = cleaned
    item.updated_at = utcnow()
    session.flush()
    if item.assigned_user_id is not None:
        publish(session, room=user_room(item.assigned_user_id), name="work.tagged",
                payload={"work_item_id": item.id, "conversation_id": item.conversation_id,
                         "tags": cleaned, "by_user_id": user.id})
    return item
