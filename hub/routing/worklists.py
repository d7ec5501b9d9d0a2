"""The inbox lists: "mine", "my queues" and "all open" (supervisors), filtered, searched,
counted, a page at a time. A fixed number of queries per page (rows, first words, viewer
names, counts), whatever the page size: never one per row.

Who looks at which conversation lives in Redis (``hub/realtime/viewers.py`` writes
``entraide:viewers:<conversation>``); the caller passes those viewer ids in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hub.auth.models import User
from hub.customers.models import Customer
from hub.domain.errors import NotAllowed
from hub.domain.kinds import ChannelKind
from hub.routing.models import Queue, SlaState, WorkItem, WorkState
from hub.routing.queries import queue_ids_of
from hub.routing.strategy import channel_class
from hub.timeline.models import Conversation, Interaction

VIEWS = ("mine", "queues", "all")
STATUSES = ("open", "queued", "offered", "assigned", "held", "closed")
CHANNELS = tuple(k.value for k in ChannelKind)
SLA_STATES = tuple(s.value for s in SlaState)
OPEN_STATES = (WorkState.QUEUED, WorkState.OFFERED, WorkState.ASSIGNED)
FIRST_WORDS = 140
ViewersOf = Callable[[list[int]], dict[int, list[int]]]


class ListRefused(NotAllowed):
    """The advisor may not see this list (a 403 with the reason)."""


@dataclass(frozen=True)
class ListFilters:
    view: str = "mine"
    channel: str | None = None
    status: str = "open"
    queue_id: int | None = None
    sla: str | None = None
    q: str = ""
    after: int = 0
    limit: int = 50


def list_work(session: Session, *, user: User, filters: ListFilters,
              viewers_of: ViewersOf) -> dict[str, Any]:
    """A page of the chosen list and the count of every list under the same filters."""
    my_queues = queue_ids_of(session, user.id)
    _check_access(user, filters, my_queues)
    conditions = _conditions(filters)
    scope = _scope(filters.view, user, my_queues)
    assignee = aliased(User)
    rows = session.execute(
        select(WorkItem, Conversation, Queue.name, Customer.display_name, Customer.vip_level,
               assignee.name)
        .join(Conversation, Conversation.id == WorkItem.conversation_id)
        .join(Queue, Queue.id == WorkItem.queue_id)
        .outerjoin(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(assignee, assignee.id == WorkItem.assigned_user_id)
        .where(scope, *conditions, WorkItem.id > filters.after)
        .order_by(WorkItem.id).limit(filters.limit + 1)
    ).all()
    more = len(rows) > filters.limit
    rows = rows[:filters.limit]
    conversation_ids = [row[1].id for row in rows]
    words = first_words(session, conversation_ids)
    viewers = _viewer_names(session, viewers_of(conversation_ids))
    items = [_row(row, words, viewers) for row in rows]
    return {"view": filters.view, "items": items,
            "next_cursor": str(items[-1]["id"]) if more else None,
            "counts": counts(session, user=user, my_queues=my_queues, conditions=conditions)}


def _check_access(user: User, filters: ListFilters, my_queues: list[int]) -> None:
    if filters.view == "all" and not user.is_supervisor:
        raise ListRefused("the 'all' list is for supervisors and admins")
    if filters.view == "queues" and filters.queue_id is not None \
            and filters.queue_id not in my_queues:
        raise ListRefused("you are not a member of that queue")


def _scope(view: str, user: User, my_queues: list[int]) -> ColumnElement[bool]:
    if view == "mine":
        return WorkItem.assigned_user_id == user.id
    if view == "queues":
        return WorkItem.queue_id.in_(my_queues)
    return WorkItem.id.is_not(None)


def _conditions(filters: ListFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [_status(filters.status)]
    if filters.channel:
        found.append(WorkItem.channel_kind == filters.channel)
    if filters.queue_id is not None:
        found.append(WorkItem.queue_id == filters.queue_id)
    if filters.sla:
        found.append(WorkItem.sla_state == filters.sla)
    if filters.q:
        found.append(_search(filters.q))
    return found


def _status(status: str) -> ColumnElement[bool]:
    if status == "open":
        return WorkItem.state.in_(OPEN_STATES)
    if status == "held":
        return (WorkItem.state == WorkState.ASSIGNED) & WorkItem.held_at.is_not(None)
    return WorkItem.state == status


def _search(q: str) -> ColumnElement[bool]:
    """The customer's name or address, the subject, or ``#<id>`` of the work item."""
    if q.startswith("#") and q[1:].isdigit():
        return WorkItem.id == int(q[1:])
    like = f"%{_escape(q.lower())}%"
    named = aliased(Customer)
    customer = select(named.id).where(
        named.id == Conversation.customer_id,
        func.lower(named.display_name).like(like, escape="\\")).exists()
    return or_(customer,
               func.lower(Conversation.subject).like(like, escape="\\"),
               func.lower(Conversation.customer_address).like(like, escape="\\"))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def counts(session: Session, *, user: User, my_queues: list[int],
           conditions: list[ColumnElement[bool]]) -> dict[str, int | None]:
    """Every list's count under the same filters, in one query ("all": supervisors only)."""
    def count_of(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query: Select[Any] = select(
        count_of(WorkItem.assigned_user_id == user.id),
        count_of(WorkItem.queue_id.in_(my_queues)),
        func.count(WorkItem.id),
    ).join(Conversation, Conversation.id == WorkItem.conversation_id).where(*conditions)
    mine, queues, every = session.execute(query).one()
    return {"mine": int(mine), "queues": int(queues),
            "all": int(every) if user.is_supervisor else None}


def first_words(session: Session, conversation_ids: list[int]) -> dict[int, str]:
    """The latest inbound words of each conversation (two queries for the whole page)."""
    if not conversation_ids:
        return {}
    latest = (select(func.max(Interaction.id))
              .where(Interaction.conversation_id.in_(conversation_ids),
                     Interaction.direction == "inbound")
              .group_by(Interaction.conversation_id))
    return {cid: body[:FIRST_WORDS] for cid, body in session.execute(
        select(Interaction.conversation_id, Interaction.body)
        .where(Interaction.id.in_(latest.scalar_subquery())))}


def _viewer_names(session: Session, viewers: dict[int, list[int]]
                  ) -> dict[int, list[dict[str, Any]]]:
    ids = sorted({uid for uids in viewers.values() for uid in uids})
    names: dict[int, str] = {}
    if ids:
        names = {uid: name for uid, name in
                 session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    return {cid: [{"user_id": uid, "name": names.get(uid, "")} for uid in uids]
            for cid, uids in viewers.items()}


def _row(row: Any, words: dict[int, str], viewers: dict[int, list[dict[str, Any]]]
         ) -> dict[str, Any]:
    item, conversation, queue_name, customer_name, vip_level, assignee_name = row
    return {
        "id": item.id, "conversation_id": conversation.id, "state": item.state,
        "held": item.held_at is not None, "channel": item.channel_kind or conversation.channel,
        "channel_class": channel_class(item.channel_kind),
        "queue": {"id": item.queue_id, "name": queue_name},
        "customer": {"id": conversation.customer_id, "name": customer_name or "",
                     "vip": (vip_level or 0) > 0},
        "assigned": {"id": item.assigned_user_id, "name": assignee_name}
        if item.assigned_user_id else None,
        "subject": conversation.subject, "first_words": words.get(conversation.id, ""),
        "waiting_since": item.created_at.isoformat(), "priority": item.priority,
        "sla_state": item.sla_state,
        "sla_due_at": item.sla_due_at.isoformat() if item.sla_due_at else None,
        "tags": list(item.tags or []), "wrap_up_code": item.wrap_up_code,
        "viewers": viewers.get(conversation.id, []),
    }
