"""Merging customers, merge suggestions, and GDPR export and erasure.

Who may do what:
- merge, see or reject a suggestion: supervisors, or an advisor who reaches *both*
  customers through ``access_customer`` (a suggestion naming a customer the advisor
  cannot reach is not listed to them);
- undo a merge: supervisors, or the advisor who merged if they still reach the survivor;
- export and erase: supervisors and admins.
Every action is in the audit log with the caller and the reason they gave.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_smorest import Blueprint
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from hub.access import AccessDenied, access_customer
from hub.api.schemas import (
    EraseIn,
    ErasureOut,
    ExportOut,
    ExportQuery,
    MergeIn,
    MergeOut,
    ReasonIn,
    SuggestionOut,
)
from hub.audit.service import Actor
from hub.auth.models import User
from hub.customers.merge import merge_customers, merge_view, unmerge
from hub.customers.models import Customer, CustomerMerge, MergeSuggestion
from hub.customers.privacy import (
    erase_customer,
    export_customer,
    forget_cached_accounts,
    purge_outside_database,
)
from hub.customers.suggestions import other_of, reject_suggestion, suggest_merges
from hub.domain.errors import NotAllowed
from hub.web import db, json_error, require_user, services

log = logging.getLogger(__name__)
blueprint = Blueprint("customer_admin", __name__, url_prefix="/api/v1",
                      description="Customer merges, merge suggestions, GDPR export and erasure")


@blueprint.route("/customers/<int:customer_id>/merge", methods=["POST"])
@blueprint.arguments(MergeIn)
@blueprint.response(201, MergeOut)
def merge(args: dict[str, Any], customer_id: int) -> Any:
    """Merge ``other_id`` into this customer (it stays as a tombstone; undoable)."""
    user, session = require_user(), db()
    if not _reaches(session, user, customer_id, args["other_id"]):
        return json_error(404, "no such customer")
    try:
        done = merge_customers(session, survivor_id=customer_id, merged_id=args["other_id"],
                               actor=Actor.user(user.id), reason=args["reason"])
        view = merge_view(done)
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason, "other_id")
    _forget_accounts(customer_id, args["other_id"])
    return view


@blueprint.route("/merges/<int:merge_id>/undo", methods=["POST"])
@blueprint.arguments(ReasonIn)
@blueprint.response(200, MergeOut)
def undo(args: dict[str, Any], merge_id: int) -> Any:
    """Move back exactly what the merge moved; rows created since stay with the survivor
    unless they belong to a conversation that moves back."""
    user, session = require_user(), db()
    done = session.get(CustomerMerge, merge_id)
    if done is None or not _may_undo(session, user, done):
        return json_error(404, "no such merge")
    try:
        view = merge_view(unmerge(session, merge_id=merge_id, actor=Actor.user(user.id),
                                  reason=args["reason"]))
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason)
    _forget_accounts(view["survivor_id"], view["merged_id"])
    return view


@blueprint.route("/customers/<int:customer_id>/merge-suggestions")
@blueprint.response(200, SuggestionOut(many=True))
def suggestions(customer_id: int) -> Any:
    """Probable duplicates of this customer (same name and a similar email or phone)."""
    user, session = require_user(), db()
    if not _reaches(session, user, customer_id):
        return json_error(404, "no such customer")
    found = suggest_merges(session, customer_id)
    views = [_suggestion_view(session, s, customer_id) for s in found
             if _reaches(session, user, other_of(s, customer_id))]
    session.commit()  # new suggestions are stored so that decisions can refer to them
    return views


@blueprint.route("/customers/<int:customer_id>/merge-suggestions/<int:suggestion_id>/reject",
                 methods=["POST"])
@blueprint.arguments(ReasonIn)
@blueprint.response(200, SuggestionOut)
def reject(args: dict[str, Any], customer_id: int, suggestion_id: int) -> Any:
    """Not the same person: the pair is never suggested again."""
    user, session = require_user(), db()
    suggestion = session.get(MergeSuggestion, suggestion_id)
    if suggestion is None or customer_id not in (suggestion.low_id, suggestion.high_id) \
            or not _reaches(session, user, customer_id, other_of(suggestion, customer_id)):
        return json_error(404, "no such suggestion")
    try:
        reject_suggestion(session, suggestion_id=suggestion_id, actor=Actor.user(user.id),
                          reason=args["reason"])
        view = _suggestion_view(session, suggestion, customer_id)
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason)
    return view


@blueprint.route("/customers/<int:customer_id>/export")
@blueprint.arguments(ExportQuery, location="query")
@blueprint.response(200, ExportOut)
def export(args: dict[str, Any], customer_id: int) -> Any:
    """Everything about the customer as one JSON document (supervisors; audited)."""
    user, session = require_user(), db()
    if not user.is_supervisor:
        return json_error(403, "exports are for supervisors")
    if session.get(Customer, customer_id) is None:
        return json_error(404, "no such customer")
    try:
        document = export_customer(session, customer_id=customer_id,
                                   actor=Actor.user(user.id), reason=args["reason"])
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason)
    return document


@blueprint.route("/customers/<int:customer_id>/erase", methods=["POST"])
@blueprint.arguments(EraseIn)
@blueprint.response(200, ErasureOut)
def erase(args: dict[str, Any], customer_id: int) -> Any:
    """Delete or irreversibly anonymise the customer's personal data (supervisors and
    admins; audited). ``complete`` false: Redis was down, erase again to finish."""
    user, session = require_user(), db()
    if not user.is_supervisor:
        return json_error(403, "erasure is for supervisors and admins")
    if session.get(Customer, customer_id) is None:
        return json_error(404, "no such customer")
    svc = services()
    try:
        report = erase_customer(session, customer_id=customer_id, actor=Actor.user(user.id),
                                reason=args["reason"], keep_invoices=args["keep_invoices"],
                                region=svc.settings.DEFAULT_REGION)
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason)
    purge_outside_database(report, redis=svc.redis, data_path=svc.settings.data_path)
    return {"customer_id": report.customer_id, "counts": report.counts,
            "legal_hold": report.legal_hold, "purged": report.purged,
            "complete": report.complete}


def _forget_accounts(*customer_ids: int) -> None:
    """Cached account summaries describe the customers before the (un)merge."""
    try:
        forget_cached_accounts(services().redis, list(customer_ids))
    except RedisError:
        log.warning("could not drop cached accounts of customers %s", customer_ids)


def _reaches(session: Session, user: User, *customer_ids: int) -> bool:
    try:
        for customer_id in customer_ids:
            access_customer(session, user=user, customer_id=customer_id)
    except AccessDenied:
        return False
    return True


def _may_undo(session: Session, user: User, done: CustomerMerge) -> bool:
    if user.is_supervisor:
        return True
    return done.actor_user_id == user.id and _reaches(session, user, done.survivor_id)


def _suggestion_view(session: Session, suggestion: MergeSuggestion,
                     customer_id: int) -> dict[str, Any]:
    other = session.get(Customer, other_of(suggestion, customer_id))
    return {"id": suggestion.id, "customer_id": customer_id,
            "other_id": other.id if other else None,
            "other_name": other.display_name if other else "",
            "evidence": suggestion.evidence, "created_at": suggestion.created_at.isoformat()}
