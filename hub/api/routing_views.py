"""JSON views and error responses shared by the routing endpoints."""

from __future__ import annotations

from typing import Any

from flask import jsonify, make_response
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.domain.errors import NotAllowed
from hub.routing import admin
from hub.routing.context import RoutingContext
from hub.routing.models import Queue, WorkItem
from hub.routing.queries import profile, queue_ids_of
from hub.routing.strategy import channel_class
from hub.web import json_error


def invalid(field: str, reason: str) -> Any:
    """422 shaped like marshmallow's own: ``{"errors": {"json": {field: [reason]}}}``."""
    body = {"code": 422, "status": "Unprocessable Entity", "errors": {"json": {field: [reason]}}}
    return make_response(jsonify(body), 422)


def refusal(error: NotAllowed) -> Any:
    if isinstance(error, admin.Missing):
        return json_error(404, error.reason)
    return json_error(409, error.reason)


def queue_view(session: Session, queue: Queue) -> dict[str, Any]:
    return {"id": queue.id, "name": queue.name, "description": queue.description,
            "is_default": queue.is_default, "required_skills": queue.required_skills,
            "languages": queue.languages, "sla_targets": queue.sla_targets,
            "member_ids": admin.member_ids(session, queue.id)}


def advisor_view(session: Session, user: User, ctx: RoutingContext) -> dict[str, Any]:
    shown = profile(user, frozenset(queue_ids_of(session, user.id)))
    return {"id": user.id, "name": user.name, "role": user.role, "team_id": user.team_id,
            "skills": user.skills, "languages": sorted(shown.languages),
            "capacity": user.capacity, "effective_capacity": shown.capacity.as_dict(),
            "queue_ids": sorted(shown.queue_ids),
            "status": ctx.presence.status(user.id).value,
            "load": ctx.state.load(user.id).as_dict()}


def work_item_view(item: WorkItem) -> dict[str, Any]:
    return {"id": item.id, "conversation_id": item.conversation_id,
            "customer_id": item.customer_id, "queue_id": item.queue_id, "state": item.state,
            "assigned_user_id": item.assigned_user_id,
            "channel_class": channel_class(item.channel_kind), "priority": item.priority,
            "held": item.held_at is not None, "sla_state": item.sla_state,
            "sla_due_at": item.sla_due_at.isoformat() if item.sla_due_at else None,
            "wrap_up_code": item.wrap_up_code, "created_at": item.created_at.isoformat()}
