"""``GET /api/v1/customers/<id>/timeline``: every interaction on every channel, newest first."""

from __future__ import annotations

from typing import Any, NoReturn

from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from hub.access import AccessDenied, access_customer
from hub.api.schemas import TimelinePageOut, TimelineQuery
from hub.domain.kinds import ChannelKind
from hub.forum.on_timeline import FORUM_CHANNELS
from hub.timeline.cursor import BadCursor, CursorCodec, Position
from hub.timeline.queries import TimelineFilter, timeline_page
from hub.web import db, json_error, require_user, services

MAX_ID = 2**31 - 1
blueprint = Blueprint("timeline", __name__, url_prefix="/api/v1/customers",
                      description="A customer's timeline across every channel")


@blueprint.route("/<int:customer_id>/timeline")
@blueprint.arguments(TimelineQuery, location="query", unknown=RAISE)
@blueprint.response(200, TimelinePageOut)
def timeline(args: dict[str, Any], customer_id: int) -> Any:
    """Interactions newest first; follow ``next_cursor`` (null on the last page)."""
    user = require_user()
    try:
        if customer_id > MAX_ID:  # the database would refuse the number: a 500
            raise AccessDenied("no such customer")
        customer = access_customer(db(), user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    # adapters' names, and channel kinds (the demo history and integrations record phone,
    # email, chat and forum items under the kind's name; "sms" also means "twilio_sms")
    known = set(services().channels.names()) | {kind.value for kind in ChannelKind} | FORUM_CHANNELS
    unknown = sorted(set(args["channel"]) - known)
    if unknown:
        _bad_query("channel", f"unknown channel: {', '.join(unknown)}")
    codec = CursorCodec(services().settings.SECRET_KEY)
    args["channel"] = _with_adapters_of_kinds(args["channel"])
    page = timeline_page(db(), customer.id, filters=_filters(args),
                         after=_position(codec, args.get("cursor"), customer.id),
                         limit=args["limit"])
    following = page.next_position
    return {"items": page.items,
            "next_cursor": codec.encode(following, customer_id=customer.id)
            if following else None}


def _with_adapters_of_kinds(channels: list[str]) -> list[str]:
    """A channel kind stands for itself and for every adapter of that kind."""
    registry = services().channels
    kinds = set(channels) & {kind.value for kind in ChannelKind}
    extra = [name for name in registry.names() if str(registry.adapter(name).kind) in kinds]
    return sorted(set(channels) | set(extra))


def _filters(args: dict[str, Any]) -> TimelineFilter:
    return TimelineFilter(
        channels=tuple(args["channel"]),
        direction=args.get("direction"),
        conversation_id=args.get("conversation_id"),
        since=args.get("since"),
        until=args.get("until"),
        search=args.get("q", ""),
    )


def _position(codec: CursorCodec, cursor: str | None, customer_id: int) -> Position | None:
    if cursor is None:
        return None
    try:
        return codec.decode(cursor, customer_id=customer_id)
    except BadCursor as error:
        _bad_query("cursor", str(error))


def _bad_query(field: str, message: str) -> NoReturn:
    """The same 422 shape as a schema error: ``{"errors": {"query": {field: [message]}}}``."""
    abort(422, messages={"query": {field: [message]}})
