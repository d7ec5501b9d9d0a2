"""The customer card: profile, identities and account history; profile edits."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError

from hub.access import AccessDenied, access_customer
from hub.api.schemas import CustomerOut, ProfileIn
from hub.audit.service import Actor
from hub.customers.models import Customer
from hub.customers.profile import profile_view, update_profile
from hub.domain.errors import NotAllowed
from hub.routing.offers import account_summary
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
                      description="Customers")


@blueprint.route("/<int:customer_id>")
@blueprint.response(200, CustomerOut)
def show(customer_id: int) -> Any:
    user = require_user()
    try:
        customer = access_customer(db(), user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    if customer.merged_into_id is not None:  # a merge's tombstone (hub/customers/merge.py)
        return json_error(404, f"customer {customer.id} was merged into customer "
                               f"{customer.merged_into_id}")
    return _card(customer)


@blueprint.route("/<int:customer_id>", methods=["PATCH"])
@blueprint.arguments(ProfileIn)
@blueprint.response(200, CustomerOut)
def update(changes: dict[str, Any], customer_id: int) -> Any:
    """Edit the customer's profile.

    Only the fields sent change; the audit log records who changed which fields. 404 when
    the caller may not see the customer, 409 when the customer's data was erased."""
    user = require_user()
    session = db()
    try:
        customer = access_customer(session, user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    try:
        update_profile(session, customer_id=customer.id, changes=changes,
                       actor=Actor.user(user.id))
        session.commit()
    except ValidationError as error:
        session.rollback()
        return _invalid(error)
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason)
    return _card(customer)


def _card(customer: Customer) -> dict[str, Any]:
    card = profile_view(customer)
    # Reads only: end the transaction so no connection (or row lock) is held while the
    # account comes from a CRM that may be slow.
    db().rollback()
    card["account"] = account_summary(services().routing.accounts, card["id"])
    return card


def _invalid(error: ValidationError) -> Any:
    body = {"code": 422, "status": "Unprocessable Entity", "errors": {"json": error.messages}}
    return jsonify(body), 422
