"""Routing reads: which rooms an advisor may listen to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.events import SUPERVISORS_ROOM, queue_room, user_room
from hub.routing.models import QueueMember


def queue_ids_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == user_id)))


def rooms_for(session: Session, user: User) -> list[str]:
    """The rooms an advisor is allowed in: their own, their queues', supervisors' if one."""
    rooms = [user_room(user.id)]
    rooms += [queue_room(q) for q in queue_ids_of(session, user.id)]
    if user.is_supervisor:
        rooms.append(SUPERVISORS_ROOM)
    return rooms
