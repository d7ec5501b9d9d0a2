"""Merging two customers who are one person, and undoing it.

A merge moves every row that refers to the merged customer (identities, conversations,
interactions, account rows, a forum member's link, and any table added later: see
``references.py``) to the survivor, records which rows moved, and keeps the merged
customer as a tombstone (``merged_into_id``). ``unmerge`` moves exactly those rows back;
rows created after the merge stay with the survivor, except rows that belong to a row
moved back (an interaction recorded after the merge in a conversation that returns to the
merged customer goes with its conversation). The timeline stays ordered because it is
ordered by ``occurred_at``, which a merge never changes.

Deterministic merges (``link_identity``): an identity key (kind + normalized address) is
unique, so the only proof that two customers are one person is a *verified* address of one
being linked to the other — e.g. a channel or integration that authenticates a second
address of the sender. The other customer is then merged automatically (audited, undoable).
Anything weaker is only suggested (``suggestions.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.audit.service import Actor, neutralise, record
from hub.customers.models import Customer, CustomerMerge, Identity
from hub.customers.references import (
    chunks,
    column_by_key,
    column_key,
    customer_columns,
    primary_key,
    refers_to,
)
from hub.customers.suggestions import settle_pair
from hub.db import utcnow
from hub.domain.addresses import Address
from hub.domain.errors import NotAllowed

MAX_CHAIN = 50


def merge_customers(
    session: Session, *, survivor_id: int, merged_id: int, actor: Actor, reason: str,
    automatic: bool = False,
) -> CustomerMerge:
    """Move everything of ``merged_id`` to ``survivor_id``; NotAllowed with a reason when
    either is missing, merged already or erased."""
    if survivor_id == merged_id:
        raise NotAllowed("a customer cannot be merged into itself")
    survivor, merged = _lock_pair(session, survivor_id, merged_id)
    _require_live(survivor)
    _require_live(merged)
    moved: dict[str, list[int]] = {}
    for column in customer_columns():
        ids = _move(session, column, where=column == merged.id, to_id=survivor.id)
        if ids:
            moved[column_key(column)] = ids
    merged.merged_into_id = survivor.id
    merge = CustomerMerge(survivor_id=survivor.id, merged_id=merged.id, automatic=automatic,
                          actor_user_id=actor.user_id, reason=neutralise(reason),
                          moved=moved)
    session.add(merge)
    settle_pair(session, survivor.id, merged.id, state="accepted", user_id=actor.user_id)
    session.flush()
    record(session, actor=actor, action="customer.merge", subject_type="customer",
           subject_id=survivor.id, reason=reason,
           details={"merge_id": merge.id, "merged_id": merged.id, "automatic": automatic,
                    "moved": _counts(moved)})
    session.expire_all()
    return merge


def unmerge(session: Session, *, merge_id: int, actor: Actor, reason: str) -> CustomerMerge:
    """Move back exactly the rows the merge moved, and revive the merged customer."""
    merge = session.scalar(
        select(CustomerMerge).where(CustomerMerge.id == merge_id).with_for_update()
    )
    if merge is None:
        raise NotAllowed("no such merge")
    if merge.undone_at is not None:
        raise NotAllowed(f"merge {merge.id} was already undone")
    survivor, merged = _lock_pair(session, merge.survivor_id, merge.merged_id)
    if survivor.erased_at is not None or merged.erased_at is not None:
        raise NotAllowed("an erased customer cannot be unmerged")
    if survivor.merged_into_id is not None:
        raise NotAllowed(f"customer {survivor.id} has since been merged into customer "
                         f"{survivor.merged_into_id}: undo that merge first")
    restored = _restore(session, merge.moved, survivor_id=survivor.id, merged_id=merged.id)
    followed = _follow_parents(session, restored, survivor_id=survivor.id, merged_id=merged.id)
    merged.merged_into_id = None
    merge.undone_at = utcnow()
    merge.undone_by_user_id = actor.user_id
    settle_pair(session, survivor.id, merged.id, state="rejected", user_id=actor.user_id)
    record(session, actor=actor, action="customer.unmerge", subject_type="customer",
           subject_id=survivor.id, reason=reason,
           details={"merge_id": merge.id, "merged_id": merged.id,
                    "restored": _counts(restored), "followed_their_parent": followed})
    session.flush()
    session.expire_all()
    return merge


def link_identity(
    session: Session, *, customer_id: int, address: Address, actor: Actor, reason: str,
) -> Identity:
    """Give the customer this address. A verified address already held by another
    customer proves they are one person: that customer is merged into this one
    (automatic, audited, undoable). An unverified one held elsewhere is refused."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotAllowed("no such customer")
    _require_live(customer)
    existing = _identity(session, address)
    if existing is None:
        try:
            with session.begin_nested():
                identity = Identity(customer_id=customer.id, kind=address.kind.value,
                                    address=address.value, verified=address.verified)
                session.add(identity)
            return identity
        except IntegrityError:  # linked concurrently: decide on the winner's row
            existing = _identity(session, address)
            assert existing is not None
    if existing.customer_id == customer.id:
        return existing
    if not (address.verified and existing.verified):
        raise NotAllowed("this address belongs to another customer and is not verified: "
                         "it can only be suggested as a merge")
    merge_customers(session, survivor_id=customer.id, merged_id=existing.customer_id,
                    actor=actor, reason=reason, automatic=True)
    return existing


def canonical_customer_id(session: Session, customer_id: int) -> int | None:
    """The live customer a (possibly merged) id stands for today; None if unknown."""
    current = session.get(Customer, customer_id)
    for _ in range(MAX_CHAIN):
        if current is None or current.merged_into_id is None:
            return None if current is None else current.id
        current = session.get(Customer, current.merged_into_id)
    raise RuntimeError(f"merge chain of customer {customer_id} is too long")


def merge_view(merge: CustomerMerge) -> dict[str, Any]:
    return {
        "id": merge.id,
        "survivor_id": merge.survivor_id,
        "merged_id": merge.merged_id,
        "automatic": merge.automatic,
        "moved": _counts(merge.moved),
        "created_at": merge.created_at.isoformat(),
        "undone_at": merge.undone_at.isoformat() if merge.undone_at else None,
    }


def _lock_pair(session: Session, first: int, second: int) -> tuple[Customer, Customer]:
    """Both rows locked in id order (two merges of the same pair never deadlock)."""
    rows = {c.id: c for c in session.scalars(
        select(Customer).where(Customer.id.in_([first, second]))
        .order_by(Customer.id).with_for_update()
    )}
    for wanted in (first, second):
        if wanted not in rows:
            raise NotAllowed(f"no such customer: {wanted}")
    session.flush()
    return rows[first], rows[second]


def _require_live(customer: Customer) -> None:
    if customer.erased_at is not None:
        raise NotAllowed(f"customer {customer.id} was erased")
    if customer.merged_into_id is not None:
        raise NotAllowed(f"customer {customer.id} was merged into customer "
                         f"{customer.merged_into_id}")


def _identity(session: Session, address: Address) -> Identity | None:
    return session.scalar(select(Identity).where(
        Identity.kind == address.kind.value, Identity.address == address.value))


def _move(session: Session, column: Column[Any], *, where: Any, to_id: int) -> list[int]:
    pk = primary_key(column.table)
    statement = (update(column.table).where(where).values({column.name: to_id})
                 .returning(pk))
    return sorted(session.execute(statement).scalars())


def _restore(
    session: Session, moved: dict[str, list[int]], *, survivor_id: int, merged_id: int
) -> dict[str, list[int]]:
    """Rows still on the survivor go back; a row another merge took since stays there."""
    restored: dict[str, list[int]] = {}
    for key, ids in moved.items():
        column = column_by_key(key)
        if column is None:  # the table was dropped since
            continue
        pk = primary_key(column.table)
        back: list[int] = []
        for chunk in chunks(ids):
            back += _move(session, column, where=pk.in_(chunk) & (column == survivor_id),
                          to_id=merged_id)
        restored[key] = sorted(back)
    return restored


def _follow_parents(
    session: Session, restored: dict[str, list[int]], *, survivor_id: int, merged_id: int
) -> dict[str, int]:
    """A row created after the merge under a row that moved back (an interaction in a
    conversation) follows its parent."""
    by_table: dict[str, list[int]] = {}
    for key, ids in restored.items():
        by_table.setdefault(key.partition(".")[0], []).extend(ids)
    followed: dict[str, int] = {}
    for column in customer_columns():
        for parent_fk in column.table.columns:
            parent = next((fk.column.table for fk in parent_fk.foreign_keys), None)
            if parent is None or parent.name not in by_table or refers_to(parent_fk, column.table):
                continue
            count = 0
            for chunk in chunks(by_table[parent.name]):
                count += len(_move(session, column,
                                   where=parent_fk.in_(chunk) & (column == survivor_id),
                                   to_id=merged_id))
            if count:
                followed[column_key(column)] = count
    return followed


def _counts(moved: dict[str, list[int]]) -> dict[str, int]:
    return {key: len(ids) for key, ids in sorted(moved.items())}
