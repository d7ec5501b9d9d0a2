"""Reads about customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.customers.models import Customer


def customer_summary(session: Session, customer_id: int) -> dict[str, Any]:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return {}
    return {
        "id": customer.id,
        "name": customer.display_name,
        "language": customer.language,
        "vip": customer.vip,
        "identities": [
            {"kind": i.kind, "address": i.address, "verified": i.verified}
            for i in customer.identities
        ],
    }
