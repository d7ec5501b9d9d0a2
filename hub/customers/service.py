"""Writes about customers: the race-safe identity resolver."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.customers.models import Customer, Identity
from hub.domain.addresses import Address


def resolve_identity(session: Session, *, address: Address, display_name: str = "") -> Identity:
    """Find the identity for ``address`` or create it with a new customer.

    Two workers resolving the same new address at once both try to insert; the unique
    (kind, address) constraint lets one win and the other reads the winner's row.
    """
    found = _find(session, address)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            customer = Customer(display_name=display_name or address.value)
            identity = Identity(
                customer=customer,
                kind=address.kind.value,
                address=address.value,
                verified=address.verified,
            )
            session.add_all([customer, identity])
        return identity
    except IntegrityError:
        existing = _find(session, address)
        if existing is None:
            raise
        return existing


def _find(session: Session, address: Address) -> Identity | None:
    return session.scalar(
        select(Identity).where(
            Identity.kind == address.kind.value, Identity.address == address.value
        )
    )
