"""From a sender id to a customer: what every channel adapter relies on.

An adapter only passes ids (``InboundItem.sender_kind``, ``sender_address``,
``sender_scope``); ``resolve_sender`` normalizes them and finds or creates the customer.
``customer_for_contact`` answers "which customer already has this verified email or
phone?" for integrations that prove a contact of theirs (the forum, the web chat).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.customers.models import Customer, Identity
from hub.customers.service import resolve_identity
from hub.domain.addresses import Address, normalize, normalize_email, normalize_phone
from hub.domain.messages import InboundItem


def sender_address(item: InboundItem, *, region: str) -> Address:
    """The identity key of the item's sender (a WhatsApp ``wa_id`` is a PHONE key)."""
    return normalize(item.sender_kind, item.sender_address, region, scope=item.sender_scope)


def resolve_sender(session: Session, *, item: InboundItem, region: str) -> Identity:
    """The sender's identity, created with a new customer the first time. An unparseable
    id is kept raw and unverified: the message is never dropped."""
    address = sender_address(item, region=region)
    return resolve_identity(session, address=address, display_name=item.sender_name)


def customer_for_contact(
    session: Session, *, email: str = "", phone: str = "", region: str = "FR"
) -> int | None:
    """The live customer holding this email (checked first) or phone as a verified
    identity; None when neither is known or only unverified copies exist."""
    candidates: list[Address] = []
    if email:
        candidates.append(normalize_email(email))
    if phone:
        candidates.append(normalize_phone(phone, region))
    for address in candidates:
        if not address.verified:
            continue
        customer_id = session.scalar(
            select(Identity.customer_id)
            .join(Customer, Customer.id == Identity.customer_id)
            .where(Identity.kind == address.kind.value, Identity.address == address.value,
                   Identity.verified.is_(True), Customer.merged_into_id.is_(None),
                   Customer.erased_at.is_(None))
        )
        if customer_id is not None:
            return customer_id
    return None
