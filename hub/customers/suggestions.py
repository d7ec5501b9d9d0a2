"""Probable matches, suggested to advisors and never merged silently.

Two live customers are suggested when their names share a key (``names.py``: case,
accents, punctuation and word order ignored) and one of these holds:

- email: the user names (the part before ``@``, without a ``+tag``) are equal, or at most
  two edits apart (``lea.dubois`` / ``leadubois``), whatever the domains;
- phone: the same national number, under another country code or written unverified.

A suggestion is stored once per pair; an advisor merges it (``accepted``) or rejects it
(``rejected``) and a decided pair is never suggested again. Undoing a merge rejects the
pair. Evidence is the rule's wording, never the addresses themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from hub.audit.service import Actor, record
from hub.customers.models import Customer, Identity, MergeSuggestion
from hub.customers.names import name_key
from hub.db import utcnow
from hub.domain.errors import NotAllowed

SAME_EMAIL_USER = "same name; same email user name"
CLOSE_EMAIL_USER = "same name; email user names at most 2 edits apart"
SAME_NATIONAL_NUMBER = "same name; same national phone number"
MAX_CANDIDATES = 50
MIN_EMAIL_USER = 3
MIN_NATIONAL_DIGITS = 6


def suggest_merges(session: Session, customer_id: int) -> list[MergeSuggestion]:
    """Find and store new suggestions for this customer; return its pending ones."""
    customer = session.get(Customer, customer_id)
    if customer is None or not _live(customer):
        return []
    key = name_key(customer.display_name)
    if customer.name_key != key:  # written around the ORM: bring the key up to date
        customer.name_key = key
    if key:
        for other in _same_name(session, customer, key):
            evidence = match_evidence(customer.identities, other.identities)
            if evidence:
                _store(session, customer.id, other.id, evidence)
    return pending_for(session, customer_id)


def pending_for(session: Session, customer_id: int) -> list[MergeSuggestion]:
    rows = session.scalars(
        select(MergeSuggestion)
        .where(MergeSuggestion.state == "pending",
               or_(MergeSuggestion.low_id == customer_id,
                   MergeSuggestion.high_id == customer_id))
        .order_by(MergeSuggestion.id)
    )
    return [s for s in rows if _live(session.get(Customer, other_of(s, customer_id)))]


def reject_suggestion(
    session: Session, *, suggestion_id: int, actor: Actor, reason: str
) -> MergeSuggestion:
    suggestion = session.get(MergeSuggestion, suggestion_id)
    if suggestion is None:
        raise NotAllowed("no such suggestion")
    if suggestion.state != "pending":
        raise NotAllowed(f"the suggestion was already {suggestion.state}")
    _decide(suggestion, "rejected", actor.user_id)
    record(session, actor=actor, action="customer.merge_suggestion.reject",
           subject_type="customer", subject_id=suggestion.low_id, reason=reason,
           details={"suggestion_id": suggestion.id, "other_id": suggestion.high_id})
    return suggestion


def settle_pair(session: Session, first: int, second: int, *, state: str,
                user_id: int | None) -> None:
    """Remember an advisor's decision on a pair (a merge accepts it, an unmerge rejects)."""
    low, high = sorted((first, second))
    suggestion = session.scalar(select(MergeSuggestion).where(
        MergeSuggestion.low_id == low, MergeSuggestion.high_id == high))
    if suggestion is None:
        suggestion = MergeSuggestion(low_id=low, high_id=high, evidence="decided by an advisor")
        session.add(suggestion)
    _decide(suggestion, state, user_id)


def other_of(suggestion: MergeSuggestion, customer_id: int) -> int:
    return suggestion.high_id if suggestion.low_id == customer_id else suggestion.low_id


def match_evidence(mine: Iterable[Identity], theirs: Iterable[Identity]) -> str | None:
    mine, theirs = list(mine), list(theirs)
    return _email_evidence(mine, theirs) or _phone_evidence(mine, theirs)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _email_evidence(mine: list[Identity], theirs: list[Identity]) -> str | None:
    for a in _email_users(mine):
        for b in _email_users(theirs):
            if a == b:
                return SAME_EMAIL_USER
            if abs(len(a) - len(b)) <= 2 and edit_distance(a, b) <= 2:
                return CLOSE_EMAIL_USER
    return None


def _email_users(identities: list[Identity]) -> list[str]:
    users = []
    for identity in identities:
        if identity.kind != "email" or "@" not in identity.address:
            continue
        user = identity.address.rpartition("@")[0].split("+", 1)[0].lower()
        if len(user) >= MIN_EMAIL_USER:
            users.append(user)
    return users


def _phone_evidence(mine: list[Identity], theirs: list[Identity]) -> str | None:
    ours = {_national(i) for i in mine if i.kind == "phone"} - {""}
    if ours & {_national(i) for i in theirs if i.kind == "phone"}:
        return SAME_NATIONAL_NUMBER
    return None


def _national(identity: Identity) -> str:
    """The national significant number: parsed from E.164, else the digits of what was
    written without leading zeros ("06 12 34 56 78" → "612345678")."""
    if identity.verified and identity.address.startswith("+"):
        try:
            return str(phonenumbers.parse(identity.address, None).national_number)
        except phonenumbers.NumberParseException:
            pass
    digits = re.sub(r"\D", "", identity.address).lstrip("0")
    return digits if len(digits) >= MIN_NATIONAL_DIGITS else ""


def _same_name(session: Session, customer: Customer, key: str) -> list[Customer]:
    return list(session.scalars(
        select(Customer)
        .where(Customer.name_key == key, Customer.id != customer.id,
               Customer.merged_into_id.is_(None), Customer.erased_at.is_(None))
        .options(selectinload(Customer.identities))
        .order_by(Customer.id)
        .limit(MAX_CANDIDATES)
    ))


def _store(session: Session, first: int, second: int, evidence: str) -> None:
    low, high = sorted((first, second))
    exists = session.scalar(select(MergeSuggestion.id).where(
        MergeSuggestion.low_id == low, MergeSuggestion.high_id == high))
    if exists is not None:  # pending, or decided: never suggested again
        return
    try:
        with session.begin_nested():
            session.add(MergeSuggestion(low_id=low, high_id=high, evidence=evidence))
    except IntegrityError:  # stored concurrently
        pass


def _decide(suggestion: MergeSuggestion, state: str, user_id: int | None) -> None:
    suggestion.state = state
    suggestion.decided_at = utcnow()
    suggestion.decided_by_user_id = user_id


def _live(customer: Customer | None) -> bool:
    return customer is not None and customer.merged_into_id is None \
        and customer.erased_at is None
