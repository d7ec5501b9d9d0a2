"""The customer card: identities and account history."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.access import AccessDenied, access_customer
from hub.api.schemas import CustomerOut
from hub.customers.queries import customer_summary
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
    summary = customer_summary(db(), customer.id)
    summary["account"] = account_summary(services().routing.accounts, customer.id)
    return summary
