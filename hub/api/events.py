"""``GET /api/v1/events?after=ID``: what a reconnecting client missed."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from hub.api.schemas import EventPage, EventsQuery
from hub.events import RealtimeEvent
from hub.routing.queries import rooms_for
from hub.web import db, require_user

blueprint = Blueprint("events", __name__, url_prefix="/api/v1/events",
                      description="Catch-up of realtime events")


@blueprint.route("")
@blueprint.arguments(EventsQuery, location="query")
@blueprint.response(200, EventPage)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    user = require_user()
    rooms = rooms_for(db(), user)
    rows = list(db().scalars(
        select(RealtimeEvent)
        .where(RealtimeEvent.id > args["after"], RealtimeEvent.room.in_(rooms))
        .order_by(RealtimeEvent.id)
        .limit(args["limit"])
    ))
    last = rows[-1].id if rows else args["after"]
    return {"events": [row.as_message() for row in rows], "last_id": last}
