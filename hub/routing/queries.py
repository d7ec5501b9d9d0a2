"""Routing reads: rooms, queue specs, advisor profiles, continuity, refusals."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, joinedload

from hub.auth.models import Team, User
from hub.events import SUPERVISORS_ROOM, queue_room, user_room
from hub.routing.models import Offer, OfferState, Queue, QueueMember, RoutingRule, WorkItem
from hub.routing.strategy import AdvisorProfile, QueueSpec, Rule, effective_capacity

REFUSALS = (OfferState.DECLINED, OfferState.EXPIRED)


def queue_ids_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == user_id)))


def rooms_for(session: Session, user: User) -> list[str]:
    """The rooms an advisor is allowed in: their own, their queues', supervisors' if one."""
    rooms = [user_room(user.id)]
    rooms += [queue_room(q) for q in queue_ids_of(session, user.id)]
    if user.is_supervisor:
        rooms.append(SUPERVISORS_ROOM)
    return rooms


def queue_spec(queue: Queue) -> QueueSpec:
    return QueueSpec(
        id=queue.id, name=queue.name,
        required_skills={str(k): int(v) for k, v in (queue.required_skills or {}).items()},
        languages=tuple(queue.languages or ()),
        sla_targets=tuple(queue.sla_targets or ()),
    )


def queue_specs(session: Session, queue_ids: list[int] | None = None) -> dict[int, QueueSpec]:
    query = select(Queue)
    if queue_ids is not None:
        query = query.where(Queue.id.in_(queue_ids))
    return {q.id: queue_spec(q) for q in session.scalars(query)}


def enabled_rules(session: Session) -> list[Rule]:
    rows = session.scalars(select(RoutingRule).where(RoutingRule.enabled.is_(True)))
    return [Rule(r.id, r.position, r.queue_id, r.conditions or {}, r.priority) for r in rows]


def profile(user: User, queue_ids: frozenset[int] = frozenset()) -> AdvisorProfile:
    team_capacity = user.team.capacity if user.team is not None else None
    return _profile(user.id, user.name, user.skills, user.languages, user.language,
                    user.capacity, team_capacity, queue_ids=queue_ids)


_PROFILES: dict[Any, AdvisorProfile] = {}  # the same columns make the same profile


def _memoized(key: Any, build: Callable[[], AdvisorProfile]) -> AdvisorProfile:
    """Profiles are pure functions of their columns: every routing pass builds those of
    all free advisors, which rarely change, so each is built once per distinct key."""
    found = _PROFILES.get(key)
    if found is None:
        if len(_PROFILES) > 20_000:
            _PROFILES.clear()
        found = _PROFILES[key] = build()
    return found


def _profile(user_id: int, name: str, skills: dict[str, Any] | None,
             languages: list[Any] | None, language: str, capacity: dict[str, Any] | None,
             team_capacity: dict[str, Any] | None, *, queue_ids: frozenset[int]
             ) -> AdvisorProfile:
    """Memoized on the repr of its arguments (decoded JSON columns of a User entity)."""
    key = repr((user_id, name, skills, languages, language, capacity, team_capacity,
                sorted(queue_ids)))
    return _memoized(key, lambda: _build_profile(user_id, name, skills, languages, language,
                                                 capacity, team_capacity, queue_ids))


def _build_profile(user_id: int, name: str, skills: dict[str, Any] | None,
                   languages: list[Any] | None, language: str,
                   capacity: dict[str, Any] | None, team_capacity: dict[str, Any] | None,
                   queue_ids: frozenset[int]) -> AdvisorProfile:
    spoken = {str(x).lower() for x in (languages or [])} or {language.lower()}
    return AdvisorProfile(
        user_id=user_id, name=name,
        skills={str(k): int(v) for k, v in (skills or {}).items()},
        languages=frozenset(spoken),
        capacity=effective_capacity(team_capacity, capacity),
        queue_ids=queue_ids,
    )


def profiles(session: Session, user_ids: list[int] | None = None) -> dict[int, AdvisorProfile]:
    """Active advisors with their queues; all of them when ``user_ids`` is None. One
    statement of the columns a profile needs (a row per advisor and queue), not User
    entities: a routing pass reads every free advisor's profile, and loading 200 ORM users
    with their teams was most of a pass's CPU. The JSON columns come as text and a
    profile is built (their JSON decoded) only when that text changed."""
    query = (select(User.id, User.name, _text(User.skills, "skills"),
                    _text(User.languages, "languages"), User.language,
                    _text(User.capacity, "capacity"), _text(Team.capacity, "team_capacity"),
                    QueueMember.queue_id)
             .outerjoin(Team, Team.id == User.team_id)
             .outerjoin(QueueMember, QueueMember.user_id == User.id)
             .where(User.active.is_(True)))
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    columns: dict[int, tuple[Any, ...]] = {}
    queues: dict[int, set[int]] = defaultdict(set)
    for *row, queue_id in session.execute(query):
        columns.setdefault(row[0], tuple(row))
        if queue_id is not None:
            queues[row[0]].add(queue_id)
    return {uid: _profile_of_text(row, frozenset(queues[uid])) for uid, row in columns.items()}


def _text(column: Any, name: str) -> Any:
    return cast(column, String).label(name)


def _profile_of_text(row: tuple[Any, ...], queue_ids: frozenset[int]) -> AdvisorProfile:
    """Memoized on the row's text (JSON columns undecoded): decoded only when it changed."""
    user_id, name, skills, languages, language, capacity, team_capacity = row
    return _memoized((*row, queue_ids), lambda: _build_profile(
        user_id, name, _json(skills), _json(languages), language, _json(capacity),
        _json(team_capacity), queue_ids))


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def profile_of(session: Session, user_id: int) -> AdvisorProfile | None:
    return profiles(session, [user_id]).get(user_id)


def queue_profiles(session: Session, queue_id: int) -> list[AdvisorProfile]:
    """The queue's active members (their ``queue_ids`` hold this queue only)."""
    users = session.scalars(
        select(User)
        .join(QueueMember, QueueMember.user_id == User.id)
        .where(QueueMember.queue_id == queue_id, User.active.is_(True))
        .options(joinedload(User.team))
        .order_by(User.id)
    )
    return [profile(u, frozenset({queue_id})) for u in users]


def refused_by(session: Session, work_item_id: int) -> set[int]:
    """Advisors who declined or let this item's offer expire: not asked again."""
    return set(session.scalars(
        select(Offer.user_id).where(Offer.work_item_id == work_item_id,
                                    Offer.state.in_(REFUSALS))
    ))


def last_advisor_of(session: Session, customer_id: int | None, *, before: int) -> int | None:
    """Continuity: who handled this customer's previous work item."""
    if customer_id is None:
        return None
    return session.scalar(
        select(WorkItem.assigned_user_id)
        .where(WorkItem.customer_id == customer_id, WorkItem.id < before,
               WorkItem.assigned_user_id.is_not(None))
        .order_by(WorkItem.id.desc())
        .limit(1)
    )


def pending_offers(session: Session, user_ids: list[int]) -> dict[int, int]:
    """How many offers each advisor has not answered yet (one grouped query)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Offer.user_id, func.count())
        .where(Offer.user_id.in_(user_ids), Offer.state == OfferState.PENDING)
        .group_by(Offer.user_id))
    return {user_id: n for user_id, n in rows}


def offer_budgets(session: Session, cap: int, user_ids: list[int],
                  given: dict[int, int] | None = None) -> dict[int, int]:
    """How many more offers each advisor may receive now under ``MAX_PENDING_OFFERS``
    (``cap``; 0: no cap, every budget is -1): the cap less their unanswered offers and
    ``given`` (auto-accepted items already handed out by the same routing job)."""
    if cap <= 0:
        return {uid: -1 for uid in user_ids}
    pending = pending_offers(session, user_ids)
    given = given or {}
    return {uid: max(0, cap - pending.get(uid, 0) - given.get(uid, 0)) for uid in user_ids}
