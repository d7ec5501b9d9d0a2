"""Canned responses: advisors search and render them; supervisors and admins write them."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_smorest import Blueprint

from hub.access import AccessDenied, access_conversation
from hub.api.inbox_schemas import (
    CannedIn,
    CannedOut,
    CannedPatch,
    CannedQuery,
    RenderedOut,
    RenderQuery,
)
from hub.auth.models import User
from hub.inbox import canned
from hub.inbox.errors import BadInput
from hub.inbox.models import CannedResponse
from hub.routing.offers import account_summary
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("canned", __name__, url_prefix="/api/v1/canned-responses",
                      description="Canned responses with variables")


def _supervisor() -> User:
    user = require_user()
    if not user.is_supervisor:
        abort(json_error(403, "supervisors and admins only"))
    return user


def _found(canned_id: int) -> CannedResponse:
    row = db().get(CannedResponse, canned_id)
    if row is None:
        abort(json_error(404, "no such canned response"))
    return row


@blueprint.route("")
@blueprint.arguments(CannedQuery, location="query")
@blueprint.response(200, CannedOut(many=True))
def search(args: dict[str, Any]) -> Any:
    """Shortcut prefix first (``/fac`` or ``#fac``), then title words."""
    require_user()
    return [canned.canned_view(c) for c in canned.search(db(), query=args["q"])]


@blueprint.route("", methods=["POST"])
@blueprint.arguments(CannedIn)
@blueprint.response(201, CannedOut)
def create(args: dict[str, Any]) -> Any:
    return _save(args, _supervisor(), None)


@blueprint.route("/<int:canned_id>", methods=["PATCH"])
@blueprint.arguments(CannedPatch(partial=True))
@blueprint.response(200, CannedOut)
def update(args: dict[str, Any], canned_id: int) -> Any:
    user = _supervisor()
    return _save(args, user, _found(canned_id))


@blueprint.route("/<int:canned_id>", methods=["DELETE"])
@blueprint.response(204)
def delete(canned_id: int) -> Any:
    _supervisor()
    session = db()
    session.delete(_found(canned_id))
    session.commit()
    return ""


def _save(args: dict[str, Any], user: User, row: CannedResponse | None) -> Any:
    session = db()
    try:
        saved = canned.save(session, data=args, user=user, canned=row)
        view = canned.canned_view(saved)
        session.commit()
    except BadInput as error:
        session.rollback()
        return json_error(422 if error.field != "shortcut" or "taken" not in error.reason
                          else 409, error.reason, error.field)
    return view


@blueprint.route("/<int:canned_id>/rendered")
@blueprint.arguments(RenderQuery, location="query")
@blueprint.response(200, RenderedOut)
def rendered(args: dict[str, Any], canned_id: int) -> Any:
    """The text with this conversation's customer, plan and advisor filled in (plain text:
    values are inserted once, never read as a template)."""
    user, session = require_user(), db()
    row = _found(canned_id)
    try:
        conversation = access_conversation(session, user=user,
                                           conversation_id=args["conversation_id"])
    except AccessDenied as error:
        return json_error(404, error.reason)
    customer, body = conversation.customer, row.body
    session.rollback()  # no transaction held while the account provider answers
    summary = account_summary(services().routing.accounts, customer.id)
    plans = summary.get("subscriptions") or [{}]
    context = canned.Context(customer=customer, advisor=user, plan=plans[0].get("plan", ""))
    return {"text": canned.render(body, context)}
