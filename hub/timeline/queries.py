"""Reads of the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Row, Select, bindparam, func, literal, select, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, joinedload, selectinload

from hub.db import is_postgresql
from hub.timeline.cursor import Position
from hub.timeline.models import Attachment, Interaction
from hub.timeline.search import search_for

VIEW_FIELDS = ("id", "conversation_id", "channel", "direction", "body", "status", "has_html")


@dataclass(frozen=True)
class TimelineFilter:
    """What to keep; every field left empty keeps everything. Dates are inclusive."""

    channels: tuple[str, ...] = ()
    direction: str | None = None
    conversation_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""


EVERYTHING = TimelineFilter()


@dataclass(frozen=True)
class TimelinePage:
    items: list[dict[str, Any]]
    next_position: Position | None


def interaction_view(row: Interaction) -> dict[str, Any]:
    return _view(row, [_attachment(a.id, a.content_type, a.state, a.filename)
                       for a in row.attachments])


def _view(row: Interaction | Row[Any], attachments: list[dict[str, Any]]) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in VIEW_FIELDS}
    view["occurred_at"] = row.occurred_at.isoformat()
    view["attachments"] = attachments
    return view


def _attachment(attachment_id: int, content_type: str, state: str,
                filename: str) -> dict[str, Any]:
    return {"id": attachment_id, "content_type": content_type, "state": state,
            "filename": filename}


def recent_items(session: Session, customer_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """The customer's latest interactions on every channel, newest first."""
    query = (
        select(Interaction)
        .where(Interaction.customer_id == customer_id)
        .options(selectinload(Interaction.attachments))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return [interaction_view(row) for row in session.scalars(query)]


def recent_items_of(session: Session, customer_ids: Iterable[int], *,
                    limit: int = 10) -> dict[int, list[dict[str, Any]]]:
    """``recent_items`` for many customers at once (a batch of offer cards): on PostgreSQL
    one statement, each customer's latest ``limit`` through the timeline index (a LATERAL
    join, so a customer with a long history costs ``limit`` rows, not their history),
    their attachments joined; elsewhere one query per customer."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    if not is_postgresql(session):
        return {cid: recent_items(session, cid, limit=limit) for cid in ids}
    found: dict[int, list[dict[str, Any]]] = {cid: [] for cid in ids}
    rows = session.scalars(_recent_of_statement(), {"ids": ids, "limit": limit}).unique()
    for row in rows:
        found[row.customer_id].append(interaction_view(row))
    return found


@cache
def _recent_of_statement() -> Select[tuple[Interaction]]:
    """Built once; its text does not depend on how many customers (an array parameter)."""
    customers = (select(func.unnest(bindparam("ids", type_=ARRAY(BigInteger))).label("cid"))
                 .subquery("customers"))
    latest = (select(Interaction.id)
              .where(Interaction.customer_id == customers.c.cid)
              .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
              .limit(bindparam("limit"))
              .lateral("latest"))
    wanted = select(latest.c.id).select_from(customers).join(latest, true())
    return (select(Interaction).where(Interaction.id.in_(wanted))
            .options(joinedload(Interaction.attachments))  # same statement: most have none
            .order_by(Interaction.customer_id, Interaction.occurred_at.desc(),
                      Interaction.id.desc()))


def timeline_page(
    session: Session,
    customer_id: int,
    *,
    filters: TimelineFilter = EVERYTHING,
    after: Position | None = None,
    limit: int = 25,
) -> TimelinePage:
    """One page of the customer's interactions on every channel, newest first."""
    query = timeline_query(session, customer_id, filters=filters, after=after, limit=limit)
    items = _items(session.execute(query))
    more = len(items) > limit
    items = items[:limit]
    if not more:
        return TimelinePage(items, None)
    last = items[-1]  # isoformat() round-trips exactly, microseconds and offset included
    return TimelinePage(items, Position(datetime.fromisoformat(last["occurred_at"]), last["id"]))


def timeline_query(
    session: Session,
    customer_id: int,
    *,
    filters: TimelineFilter,
    after: Position | None,
    limit: int,
) -> Select[Any]:
    """One statement, one round trip: ``limit + 1`` interactions (the extra one says whether
    a page follows) joined to their attachments, as plain rows (no ORM identity map).

    Keyset pagination on (occurred_at, id), the order of ``ix_interactions_customer_time``:
    a page costs the same at any depth, and rows arriving meanwhile shift nothing."""
    columns = [getattr(Interaction, name).label(name) for name in VIEW_FIELDS] + [
        Interaction.occurred_at]
    query = _filtered(select(*columns), session, customer_id, filters)
    if after is not None:
        position = tuple_(literal(after.occurred_at, Interaction.occurred_at.type),
                          literal(after.id, Interaction.id.type))
        query = query.where(tuple_(Interaction.occurred_at, Interaction.id) < position)
    page = (query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit + 1).subquery("page"))
    return (
        select(page, Attachment.id.label("attachment_id"), Attachment.content_type,
               Attachment.state, Attachment.filename)
        .outerjoin(Attachment, Attachment.interaction_id == page.c.id)
        .order_by(page.c.occurred_at.desc(), page.c.id.desc(), Attachment.id)
    )


def _items(rows: Any) -> list[dict[str, Any]]:
    """One view per interaction from its joined rows (one row per attachment, or one)."""
    items: list[dict[str, Any]] = []
    for row in rows:
        if not items or items[-1]["id"] != row.id:
            items.append(_view(row, []))
        if row.attachment_id is not None:
            items[-1]["attachments"].append(
                _attachment(row.attachment_id, row.content_type, row.state, row.filename))
    return items


def _filtered(
    query: Select[Any], session: Session, customer_id: int, filters: TimelineFilter
) -> Select[Any]:
    query = query.where(Interaction.customer_id == customer_id)
    if filters.channels:
        query = query.where(Interaction.channel.in_(filters.channels))
    if filters.direction:
        query = query.where(Interaction.direction == filters.direction)
    if filters.conversation_id is not None:
        query = query.where(Interaction.conversation_id == filters.conversation_id)
    if filters.since is not None:
        query = query.where(Interaction.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(Interaction.occurred_at <= filters.until)
    if filters.search.strip():
        search = search_for(session.get_bind().dialect.name)
        query = query.where(search.condition(filters.search))
    return query


def find_by_provider_id(session: Session, channel: str, provider_id: str) -> Interaction | None:
    return session.scalar(
        select(Interaction).where(
            Interaction.channel == channel, Interaction.provider_id == provider_id
        )
    )
