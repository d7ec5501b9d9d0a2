"""Incidents for supervisors: declare, post an update, resolve, list. Each step rewrites
the forum announcement pinned in the affected categories.

403 for advisors, 404 for an unknown incident, 409 once resolved, 422 naming the field
on bad input (an unknown category slug included)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.routing_admin import require_supervisor
from hub.api.routing_views import invalid
from hub.forum.announcements import sync_announcement
from hub.forum.models import ForumCategory
from hub.incidents import service
from hub.incidents.models import Incident
from hub.incidents.queries import incident_list, incident_view
from hub.incidents.schemas import IncidentIn, IncidentOut, ListQuery, StepIn
from hub.web import db, json_error

blueprint = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents",
                      description="Incidents and their forum announcements (supervisors)")


def _slugs(session: Session) -> dict[int, str]:
    rows = session.execute(select(ForumCategory.id, ForumCategory.slug))
    return {row.id: row.slug for row in rows}


def _write(work: Any) -> Any:
    session = db()
    try:
        incident = work(session)
        sync_announcement(session, incident=incident)
        view = incident_view(session, incident, _slugs(session))
        session.commit()
    except service.Invalid as error:
        session.rollback()
        return invalid(error.field, error.reason)
    except service.AlreadyResolved as error:
        session.rollback()
        return json_error(409, error.reason)
    return view


def _incident(incident_id: int) -> Incident | None:
    return db().get(Incident, incident_id)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(ListQuery, location="query")
@blueprint.response(200, IncidentOut(many=True))
def list_incidents(query: dict[str, Any]) -> Any:
    require_supervisor()
    slugs = _slugs(db())
    return [incident_view(db(), i, slugs) for i in incident_list(db(),
                                                                  active_only=query["active"])]


@blueprint.route("", methods=["POST"])
@blueprint.arguments(IncidentIn)
@blueprint.response(201, IncidentOut)
def declare(data: dict[str, Any]) -> Any:
    user = require_supervisor()
    by_slug = {slug: id_ for id_, slug in _slugs(db()).items()}
    unknown = [s for s in data["categories"] if s not in by_slug]
    if unknown:
        return invalid("categories", f"no such category: {unknown[0]}")
    return _write(lambda s: service.declare(
        s, title=data["title"], message=data["message"], keywords=data["keywords"],
        category_ids=[by_slug[slug] for slug in data["categories"]], user=user))


@blueprint.route("/<int:incident_id>/updates", methods=["POST"])
@blueprint.arguments(StepIn)
@blueprint.response(201, IncidentOut)
def post_update(data: dict[str, Any], incident_id: int) -> Any:
    user = require_supervisor()
    incident = _incident(incident_id)
    if incident is None:
        return json_error(404, "no such incident")
    return _write(lambda s: service.post_update(s, incident=incident, message=data["message"],
                                                user=user))


@blueprint.route("/<int:incident_id>/resolve", methods=["POST"])
@blueprint.arguments(StepIn)
@blueprint.response(200, IncidentOut)
def resolve(data: dict[str, Any], incident_id: int) -> Any:
    user = require_supervisor()
    incident = _incident(incident_id)
    if incident is None:
        return json_error(404, "no such incident")
    return _write(lambda s: service.resolve(s, incident=incident, message=data["message"],
                                            user=user))
