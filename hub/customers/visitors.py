"""Web-chat visitors: anonymous until they give an email or sign in on the brand's site.

A visitor is a customer whose only identity is "visitor:<widget id>" (never verified).
- ``visitor_gave_email``: an email typed in the chat. When it belongs to another customer,
  the anonymous visitor is that customer: merged into them (automatic, audited,
  undoable, hub/customers/merge.py). A visitor who is already known by another address
  is not merged on a typed email (that would only be a suggestion).
- ``visitor_signed_in``: the brand's site vouches for the visitor with a signed identity
  token (hub/customers/identity_token.py, docs/identity.md). Its user id, email and phone
  are verified addresses: whoever holds them is one person with the visitor.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import Actor
from hub.customers.identity import customer_for_contact
from hub.customers.identity_token import IdentityClaims, brand_secrets, verify_identity_token
from hub.customers.merge import link_identity, merge_customers
from hub.customers.models import Customer, Identity
from hub.customers.service import resolve_identity
from hub.domain.addresses import Address, normalize_email, normalize_phone, normalize_visitor
from hub.domain.errors import NotAllowed
from hub.domain.kinds import IdentityKind
from hub.settings import Settings

WEB_CHAT = Actor.system("web-chat")


def visitor_identity(session: Session, *, visitor_id: str) -> Identity:
    """The visitor's identity (and anonymous customer), created on first contact."""
    return resolve_identity(session, address=normalize_visitor(visitor_id))


def visitor_gave_email(session: Session, *, visitor_id: str, email: str) -> int:
    """The customer the visitor is after giving ``email``; NotAllowed when the visitor is
    already known by another address and the email belongs to someone else."""
    visitor = visitor_identity(session, visitor_id=visitor_id)
    address = normalize_email(email)
    holder = _holder(session, address)
    if holder is None or not (address.verified and holder.verified):
        if holder is None:
            link_identity(session, customer_id=visitor.customer_id, address=address,
                          actor=WEB_CHAT, reason="a web-chat visitor gave their email")
        return visitor.customer_id
    if holder.customer_id == visitor.customer_id:
        return holder.customer_id
    if not _anonymous(session, visitor.customer_id):
        raise NotAllowed("this visitor is known by another address: the email can only "
                         "be suggested as a merge")
    survivor = holder.customer_id
    merge_customers(session, survivor_id=survivor, merged_id=visitor.customer_id,
                    actor=WEB_CHAT, automatic=True,
                    reason="an anonymous web-chat visitor gave this customer's email")
    return survivor


def sign_in_visitor(
    session: Session, *, settings: Settings, brand: str, token: str, visitor_id: str = "",
) -> int:
    """Verify the brand's token (IdentityTokenRejected with the reason otherwise) and
    attach the visitor to the customer it names."""
    claims = verify_identity_token(
        token, brand=brand, secrets=brand_secrets(settings.CHAT_IDENTITY_SECRETS),
        max_lifetime_seconds=settings.CHAT_TOKEN_MAX_LIFETIME_SECONDS)
    return visitor_signed_in(session, claims=claims, visitor_id=visitor_id,
                             region=settings.DEFAULT_REGION)


def visitor_signed_in(
    session: Session, *, claims: IdentityClaims, visitor_id: str = "", region: str = "FR",
) -> int:
    """The customer the brand's user is: the holder of their brand id, else of their
    email or phone, else the visitor's own customer (or a new one)."""
    account = Address(IdentityKind.CHAT, f"{claims.brand}:{claims.subject}", verified=True)
    visitor = visitor_identity(session, visitor_id=visitor_id) if visitor_id else None
    held = _holder(session, account)
    target = (held.customer_id if held is not None else None) or customer_for_contact(
        session, email=claims.email, phone=claims.phone, region=region)
    if target is None:
        target = visitor.customer_id if visitor is not None else resolve_identity(
            session, address=account, display_name=claims.name).customer_id
    reason = f"signed in on the brand's site ({claims.brand})"
    for address in _vouched(account, claims, region):
        try:
            link_identity(session, customer_id=target, address=address, actor=WEB_CHAT,
                          reason=reason)
        except NotAllowed:  # an unparseable email/phone another customer also typed
            continue
    if visitor is not None:
        session.refresh(visitor)
        if visitor.customer_id != target:
            merge_customers(session, survivor_id=target, merged_id=visitor.customer_id,
                            actor=WEB_CHAT, automatic=True, reason=reason)
    _name(session, target, claims.name)
    return target


def _vouched(account: Address, claims: IdentityClaims, region: str) -> list[Address]:
    found = [account]
    if claims.email:
        found.append(normalize_email(claims.email))
    if claims.phone:
        found.append(normalize_phone(claims.phone, region))
    return found


def _holder(session: Session, address: Address) -> Identity | None:
    return session.scalar(select(Identity).where(
        Identity.kind == address.kind.value, Identity.address == address.value))


def _anonymous(session: Session, customer_id: int) -> bool:
    rows = session.execute(select(Identity.kind, Identity.address).where(
        Identity.customer_id == customer_id)).all()
    return all(kind == IdentityKind.CHAT and address.startswith("visitor:")
               for kind, address in rows)


def _name(session: Session, customer_id: int, name: str) -> None:
    """A customer still named after an id gets the name the brand knows."""
    customer = session.get(Customer, customer_id)
    if customer is None or not name.strip():
        return
    if customer.display_name.startswith("visitor:") or customer.display_name == "":
        customer.display_name = name.strip()
