"""Handling work: transfer, hold, resume, close with a wrap-up code; the advisor's own
routing state (status, load, capacity, open items)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from hub.api.routing_views import invalid, refusal, work_item_view
from hub.domain.errors import NotAllowed
from hub.routing import admin
from hub.routing.handling import close_work, hold_work, transfer_work
from hub.routing.models import WorkItem, WorkState
from hub.routing.queries import profile_of
from hub.routing.schemas import CloseIn, MeOut, TransferIn, WorkItemOut
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("work_items", __name__, url_prefix="/api/v1/work-items",
                      description="Transfer, hold and close work; my routing state")


def _act(work: Any) -> Any:
    session = db()
    try:
        item = work(session)
        view = work_item_view(item)
        session.commit()
    except admin.Invalid as error:
        session.rollback()
        return invalid(error.field, error.reason)
    except admin.Missing as error:
        session.rollback()
        return json_error(404, error.reason)
    except NotAllowed as error:
        session.rollback()
        return refusal(error)
    return view


@blueprint.route("/<int:item_id>/transfer", methods=["POST"])
@blueprint.arguments(TransferIn)
@blueprint.response(200, WorkItemOut)
def transfer(data: dict[str, Any], item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: transfer_work(
        s, ctx=services().routing, item_id=item_id, user=user, queue_id=data.get("queue_id"),
        to_user_id=data.get("user_id"), note=data["note"]))


@blueprint.route("/<int:item_id>/hold", methods=["POST"])
@blueprint.response(200, WorkItemOut)
def hold(item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: hold_work(s, item_id=item_id, user=user, hold=True))


@blueprint.route("/<int:item_id>/resume", methods=["POST"])
@blueprint.response(200, WorkItemOut)
def resume(item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: hold_work(s, item_id=item_id, user=user, hold=False))


@blueprint.route("/<int:item_id>/close", methods=["POST"])
@blueprint.arguments(CloseIn)
@blueprint.response(200, WorkItemOut)
def close(data: dict[str, Any], item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: close_work(s, ctx=services().routing, item_id=item_id, user=user,
                                     wrap_up_code=data["wrap_up_code"], note=data["note"]))


@blueprint.route("/mine")
@blueprint.response(200, MeOut)
def mine() -> Any:
    """My status, load and capacity, and the work assigned to me."""
    user = require_user()
    ctx = services().routing
    shown = profile_of(db(), user.id)
    items = db().scalars(select(WorkItem).where(WorkItem.assigned_user_id == user.id,
                                                WorkItem.state == WorkState.ASSIGNED)
                         .order_by(WorkItem.id))
    return {"user_id": user.id, "status": ctx.presence.status(user.id).value,
            "load": ctx.state.load(user.id).as_dict(),
            "capacity": shown.capacity.as_dict() if shown else {},
            "queue_ids": sorted(shown.queue_ids) if shown else [],
            "work_items": [work_item_view(i) for i in items]}
