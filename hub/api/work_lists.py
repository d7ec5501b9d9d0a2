"""The inbox lists (mine, my queues, all open) and the follow-up actions: reopen, tag."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.routing_views import invalid, refusal, work_item_view
from hub.domain.errors import NotAllowed
from hub.routing import admin
from hub.routing.followup import reopen_work, tag_work
from hub.routing.list_schemas import ReopenIn, TaggedOut, TagsIn, WorkListOut, WorkListQuery
from hub.routing.presence import viewers_key
from hub.routing.worklists import ListFilters, ListRefused, list_work
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("work_lists", __name__, url_prefix="/api/v1/work-items",
                      description="The inbox lists; reopen and tag work")


def viewers_of(conversation_ids: list[int]) -> dict[int, list[int]]:
    """Who has each conversation open (Redis, one round trip for the page)."""
    if not conversation_ids:
        return {}
    pipe = services().redis.pipeline(transaction=False)
    for cid in conversation_ids:
        pipe.hvals(viewers_key(cid))
    found = pipe.execute()
    return {cid: sorted({int(v) for v in raw}) for cid, raw in zip(conversation_ids, found,
                                                                   strict=True) if raw}


@blueprint.route("")
@blueprint.arguments(WorkListQuery, location="query")
@blueprint.response(200, WorkListOut)
def list_items(args: dict[str, Any]) -> Any:
    """A page of a list, with every list's count under the same filters."""
    user = require_user()
    filters = ListFilters(view=args["view"], channel=args.get("channel"),
                          status=args["status"], queue_id=args.get("queue"),
                          sla=args.get("sla"), q=args["q"].strip(),
                          after=int(args.get("cursor") or 0), limit=args["limit"])
    try:
        return list_work(db(), user=user, filters=filters, viewers_of=viewers_of)
    except ListRefused as error:
        return json_error(403, error.reason, "view")


@blueprint.route("/<int:item_id>/reopen", methods=["POST"])
@blueprint.arguments(ReopenIn)
@blueprint.response(200, TaggedOut)
def reopen(data: dict[str, Any], item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: reopen_work(s, ctx=services().routing, item_id=item_id, user=user,
                                      note=data["note"]))


@blueprint.route("/<int:item_id>/tags", methods=["PUT"])
@blueprint.arguments(TagsIn)
@blueprint.response(200, TaggedOut)
def set_tags(data: dict[str, Any], item_id: int) -> Any:
    user = require_user()
    return _act(lambda s: tag_work(s, item_id=item_id, user=user, tags=data["tags"]))


def _act(work: Any) -> Any:
    session = db()
    try:
        item = work(session)
        view = {**work_item_view(item), "tags": list(item.tags or [])}
        session.commit()
    except admin.Invalid as error:
        session.rollback()
        return invalid(error.field, error.reason)
    except NotAllowed as error:
        session.rollback()
        return refusal(error)
    return view
