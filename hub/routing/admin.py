"""Routing configuration writes: skills, queues and their members, rules, wrap-up codes,
advisor profiles and team capacity. Bodies arrive validated by ``schemas.py``; what needs
the database (names taken, references that must exist) is checked here and refused
with ``Invalid(field, reason)``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.orm import Session

from hub.auth.models import Team, User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.routing.models import (
    Queue,
    QueueMember,
    RoutingRule,
    Skill,
    WorkItem,
    WrapUpCode,
)


class Invalid(NotAllowed):
    """A value refers to something that does not exist, or is already taken (422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


class Missing(NotAllowed):
    """No such object (404)."""


class Conflict(NotAllowed):
    """The object is in use (409)."""


def get(session: Session, model: type[Any], object_id: int) -> Any:
    found = session.get(model, object_id)
    if found is None:
        raise Missing(f"no such {model.__name__.lower()}")
    return found


def _assign(target: Any, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(target, name, value)


def _unique(session: Session, column: Any, value: str, field: str, own_id: int | None) -> None:
    model = column.class_
    taken = session.scalar(select(model.id).where(column == value))
    if taken is not None and taken != own_id:
        raise Invalid(field, f"{value!r} is already taken")


# skills ------------------------------------------------------------------------------
def save_skill(session: Session, *, data: dict[str, Any], skill_id: int | None = None) -> Skill:
    skill = get(session, Skill, skill_id) if skill_id else Skill()
    if "name" in data:
        _unique(session, Skill.name, data["name"], "name", skill_id)
        if skill_id and data["name"] != skill.name and _skill_used(session, skill.name):
            raise Invalid("name", "a queue requires this skill: rename it there first")
    _assign(skill, data)
    session.add(skill)
    session.flush()
    return skill


def delete_skill(session: Session, *, skill_id: int) -> None:
    skill = get(session, Skill, skill_id)
    if _skill_used(session, skill.name):
        raise Conflict("a queue requires this skill")
    session.delete(skill)


def _skill_used(session: Session, name: str) -> bool:
    return any(name in (q.required_skills or {}) for q in session.scalars(select(Queue)))


def _known_skills(session: Session, names: Iterable[str], field: str) -> None:
    wanted = set(names)
    known = set(session.scalars(select(Skill.name).where(Skill.name.in_(wanted))))
    if wanted - known:
        raise Invalid(field, f"unknown skills: {', '.join(sorted(wanted - known))}")


# queues ------------------------------------------------------------------------------
def save_queue(session: Session, *, data: dict[str, Any], queue_id: int | None = None) -> Queue:
    queue = get(session, Queue, queue_id) if queue_id else Queue()
    if "name" in data:
        _unique(session, Queue.name, data["name"], "name", queue_id)
    _known_skills(session, data.get("required_skills", {}), "required_skills")
    if data.get("is_default") is False and queue.is_default:
        raise Invalid("is_default", "make another queue the default instead")
    if data.get("is_default"):
        session.execute(update(Queue).values(is_default=False))
    _assign(queue, data)
    session.add(queue)
    session.flush()
    return queue


def delete_queue(session: Session, *, queue_id: int) -> None:
    queue = get(session, Queue, queue_id)
    if queue.is_default:
        raise Conflict("the default queue cannot be deleted")
    if session.scalar(select(RoutingRule.id).where(RoutingRule.queue_id == queue_id).limit(1)):
        raise Conflict("rules send work to this queue")
    if session.scalar(select(WorkItem.id).where(WorkItem.queue_id == queue_id).limit(1)):
        raise Conflict("work items belong to this queue")
    session.delete(queue)


def member_ids(session: Session, queue_id: int) -> list[int]:
    return sorted(session.scalars(
        select(QueueMember.user_id).where(QueueMember.queue_id == queue_id)
    ))


def set_members(session: Session, *, queue_id: int, user_ids: list[int]) -> list[int]:
    get(session, Queue, queue_id)
    wanted = set(user_ids)
    known = set(session.scalars(select(User.id).where(User.id.in_(wanted))))
    if wanted - known:
        raise Invalid("user_ids", f"unknown users: {sorted(wanted - known)}")
    current = set(member_ids(session, queue_id))
    session.execute(delete(QueueMember).where(QueueMember.queue_id == queue_id,
                                              QueueMember.user_id.in_(current - wanted)))
    session.add_all(QueueMember(queue_id=queue_id, user_id=u) for u in sorted(wanted - current))
    session.flush()
    return sorted(wanted)


# rules -------------------------------------------------------------------------------
def save_rule(session: Session, *, data: dict[str, Any], rule_id: int | None = None
              ) -> RoutingRule:
    rule = get(session, RoutingRule, rule_id) if rule_id else RoutingRule()
    if "queue_id" in data and session.get(Queue, data["queue_id"]) is None:
        raise Invalid("queue_id", "no such queue")
    _assign(rule, data)
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    return rule


def delete_rule(session: Session, *, rule_id: int) -> None:
    session.delete(get(session, RoutingRule, rule_id))


# wrap-up codes -----------------------------------------------------------------------
def save_wrap_up_code(session: Session, *, data: dict[str, Any], code_id: int | None = None
                      ) -> WrapUpCode:
    code = get(session, WrapUpCode, code_id) if code_id else WrapUpCode()
    if "code" in data:
        _unique(session, WrapUpCode.code, data["code"], "code", code_id)
    _assign(code, data)
    session.add(code)
    session.flush()
    return code


def active_wrap_up_code(session: Session, code: str) -> WrapUpCode:
    found = session.scalar(_active_code_query(), {"p_code": code})
    if found is None:
        raise Invalid("wrap_up_code", f"{code!r} is not an active wrap-up code")
    return found


@cache
def _active_code_query() -> Select[tuple[WrapUpCode]]:
    """Built once: every close runs it."""
    return select(WrapUpCode).where(WrapUpCode.code == bindparam("p_code"),
                                    WrapUpCode.active.is_(True))


# advisors and teams ------------------------------------------------------------------
def update_advisor(session: Session, *, user_id: int, data: dict[str, Any]) -> User:
    user = get(session, User, user_id)
    _known_skills(session, data.get("skills", {}), "skills")
    if data.get("team_id") is not None and session.get(Team, data["team_id"]) is None:
        raise Invalid("team_id", "no such team")
    if "capacity" in data and data["capacity"] is not None:
        data = {**data, "capacity": capacity_dict(data["capacity"])}
    _assign(user, data)
    session.flush()
    return user


def update_team(session: Session, *, team_id: int, capacity: dict[str, Any] | None) -> Team:
    team = get(session, Team, team_id)
    team.capacity = capacity_dict(capacity) if capacity is not None else None
    session.flush()
    return team


def capacity_dict(loaded: dict[str, Any]) -> dict[str, Any]:
    """The schema loads ``async`` as ``async_``; store the public key names."""
    return {("async" if k == "async_" else k): v for k, v in loaded.items()}

