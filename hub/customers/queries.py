"""Reads about customers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.customers.models import Customer


def customer_summaries(session: Session, customer_ids: Iterable[int]
                       ) -> dict[int, dict[str, Any]]:
    """The offer card's customer (name, language, VIP, identities) for many customers,
    in two queries (customers, identities)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    found = session.scalars(select(Customer).where(Customer.id.in_(ids))
                            .options(selectinload(Customer.identities)))
    return {customer.id: _summary(customer) for customer in found}


def _summary(customer: Customer) -> dict[str, Any]:
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
