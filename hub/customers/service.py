"""Writes about customers: the race-safe identity resolver, one address or many at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from hub.customers.models import Customer, Identity
from hub.customers.names import name_key
from hub.db import insert_for
from hub.domain.addresses import Address

IdentityKey = tuple[str, str]  # (kind, address)


def identity_key(address: Address) -> IdentityKey:
    return address.kind.value, address.value


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


def resolve_identities(
    session: Session, senders: Sequence[tuple[Address, str]]
) -> dict[IdentityKey, Identity]:
    """``resolve_identity`` for many (address, display name) pairs in a few statements,
    keyed by ``identity_key``: one ``SELECT`` of the known identities with their customers,
    then for the new addresses one multi-row ``INSERT`` of customers and one
    ``INSERT … ON CONFLICT DO NOTHING`` of identities. An address another transaction
    created meanwhile gets the winner's identity (its new customer is deleted), as with
    ``resolve_identity``. A repeated address is created once, with its first name."""
    wanted: dict[IdentityKey, tuple[Address, str]] = {}
    for address, display_name in senders:
        wanted.setdefault(identity_key(address), (address, display_name))
    found = _find_many(session, list(wanted))
    # sorted: two transactions inserting the same new addresses take them in one order
    new = [wanted[key] for key in sorted(wanted) if key not in found]
    if new:
        found.update(_create_many(session, new))
    return found


def _create_many(
    session: Session, new: list[tuple[Address, str]]
) -> dict[IdentityKey, Identity]:
    names = [display_name or address.value for address, display_name in new]
    customers = list(session.scalars(
        insert(Customer).returning(Customer, sort_by_parameter_order=True),
        [{"display_name": name, "name_key": name_key(name)} for name in names],
    ))
    rows = [
        {"customer_id": customer.id, "kind": address.kind.value, "address": address.value,
         "verified": address.verified}
        for customer, (address, _name) in zip(customers, new, strict=True)
    ]
    statement = (
        insert_for(session, Identity)
        .on_conflict_do_nothing(index_elements=["kind", "address"])
        .returning(Identity)
    )
    created = {(i.kind, i.address): i for i in session.scalars(statement, rows)}
    for customer, (address, _name) in zip(customers, new, strict=True):
        identity = created.get(identity_key(address))
        if identity is not None:  # holds the customer: the session's map is weak
            set_committed_value(identity, "customer", customer)
    lost = [customer for customer, (address, _name) in zip(customers, new, strict=True)
            if identity_key(address) not in created]
    if lost:  # another transaction created these addresses first: theirs win
        session.execute(delete(Customer).where(Customer.id.in_([c.id for c in lost])),
                        execution_options={"synchronize_session": False})
        for customer in lost:
            session.expunge(customer)
        keys = [identity_key(address) for address, _name in new
                if identity_key(address) not in created]
        winners = _find_many(session, keys)
        if len(winners) != len(keys):
            raise LookupError(f"identities neither created nor found: {keys}")
        created.update(winners)
    return created


def _find_many(session: Session, keys: list[IdentityKey]) -> dict[IdentityKey, Identity]:
    if not keys:
        return {}
    by_kind: dict[str, list[str]] = {}
    for kind, address in keys:
        by_kind.setdefault(kind, []).append(address)
    query = (
        select(Identity)
        .options(joinedload(Identity.customer))  # routing reads the customer next
        .where(or_(*(and_(Identity.kind == kind, Identity.address.in_(addresses))
                     for kind, addresses in by_kind.items())))
    )
    return {(i.kind, i.address): i for i in session.scalars(query)}


def _find(session: Session, address: Address) -> Identity | None:
    return session.scalar(
        select(Identity).where(
            Identity.kind == address.kind.value, Identity.address == address.value
        )
    )
