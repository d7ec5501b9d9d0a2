"""The data subject of an erasure: their ids, and the strings that identify them in rows
that have no customer column (raw webhook copies, realtime outbox payloads).

Matching is deliberately broad for those two tables: a raw event or an outbox row that
carries the customer's address, phone number (in any written form), name, provider
message id or conversation is theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.customers.models import Customer
from hub.customers.names import name_key
from hub.customers.references import table

MIN_NEEDLE = 5  # shorter strings would match unrelated text


@dataclass
class Subject:
    customer_ids: list[int]
    region: str = "FR"
    conversation_ids: set[int] = field(default_factory=set)
    interaction_ids: set[int] = field(default_factory=set)
    work_item_ids: set[int] = field(default_factory=set)
    provider_keys: set[tuple[str, str]] = field(default_factory=set)
    needles: set[str] = field(default_factory=set)  # lower-case substrings
    national_numbers: set[int] = field(default_factory=set)

    def owns_event(self, row: Any) -> bool:
        """A stored inbound webhook: one of their messages, a status of one of their
        messages, or anything that mentions their address or name."""
        sid = row.external_id.partition(":")[0]  # status callbacks: "<sid>:<status>"
        if (row.channel, row.external_id) in self.provider_keys \
                or (row.channel, sid) in self.provider_keys:
            return True
        return any(self._mentions(text) for text in _event_texts(row))

    def owns_payload(self, payload: Any) -> bool:
        """A realtime outbox payload about their customer, conversations or interactions,
        or mentioning them."""
        ids = {"customer_id": set(self.customer_ids), "conversation_id": self.conversation_ids,
               "interaction_id": self.interaction_ids, "work_item_id": self.work_item_ids}
        for key, value in _walk(payload):
            if isinstance(value, str):
                if self._mentions(value):
                    return True
            elif key == "customer" and isinstance(value, dict):
                if value.get("id") in self.customer_ids:
                    return True
            elif isinstance(value, int) and value in ids.get(key, ()):
                return True
        return False

    def _mentions(self, text: str) -> bool:
        lowered = text.lower()
        if any(needle in lowered for needle in self.needles):
            return True
        if not self.national_numbers or sum(c.isdigit() for c in text) < 6:
            return False
        for match in phonenumbers.PhoneNumberMatcher(text, self.region):
            if match.number.national_number in self.national_numbers:
                return True
        return False


def collect(session: Session, customer: Customer, region: str = "FR") -> Subject:
    """Everything that identifies the customer and the customers merged into them."""
    subject = Subject(customer_ids=[customer.id, *merged_into(session, customer.id)],
                      region=region)
    _collect_timeline(session, subject)
    _collect_addresses(session, subject)
    for name in session.scalars(select(Customer.display_name)
                                .where(Customer.id.in_(subject.customer_ids))):
        if name_key(name) and len(name.strip()) >= MIN_NEEDLE:
            subject.needles.add(name.strip().lower())
    return subject


def _collect_timeline(session: Session, subject: Subject) -> None:
    conversations, interactions = table("conversations"), table("interactions")
    work_items = table("work_items")
    theirs = conversations.c.customer_id.in_(subject.customer_ids)
    for row in session.execute(select(conversations.c.id, conversations.c.customer_address,
                                      conversations.c.thread_key).where(theirs)):
        subject.conversation_ids.add(row.id)
        _add_address(subject, row.customer_address)
        _add_address(subject, row.thread_key)
    for row in session.execute(select(interactions.c.id, interactions.c.channel,
                                      interactions.c.provider_id)
                               .where(interactions.c.customer_id.in_(subject.customer_ids))):
        subject.interaction_ids.add(row.id)
        if row.provider_id:
            subject.provider_keys.add((row.channel, row.provider_id))
    subject.work_item_ids.update(session.scalars(select(work_items.c.id).where(
        work_items.c.conversation_id.in_(select(conversations.c.id).where(theirs)))))


def _collect_addresses(session: Session, subject: Subject) -> None:
    identities, deliveries = table("identities"), table("deliveries")
    interactions = table("interactions")
    for address in session.scalars(select(identities.c.address)
                                   .where(identities.c.customer_id.in_(subject.customer_ids))):
        _add_address(subject, address)
    theirs = select(interactions.c.id).where(
        interactions.c.customer_id.in_(subject.customer_ids))
    for address in session.scalars(select(deliveries.c.to_address)
                                   .where(deliveries.c.interaction_id.in_(theirs))):
        _add_address(subject, address)


def merged_into(session: Session, customer_id: int) -> list[int]:
    """Customers merged into this one, directly or through other merges."""
    found: list[int] = []
    frontier = [customer_id]
    while frontier:
        frontier = list(session.scalars(
            select(Customer.id).where(Customer.merged_into_id.in_(frontier))))
        found += frontier
    return found


def _add_address(subject: Subject, address: str | None) -> None:
    text = (address or "").strip()
    if len(text) < MIN_NEEDLE:
        return
    subject.needles.add(text.lower())
    try:
        number = phonenumbers.parse(text, subject.region)
    except phonenumbers.NumberParseException:
        return
    if phonenumbers.is_valid_number(number):
        subject.national_numbers.add(number.national_number)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        subject.needles.update({e164.lower(), e164[1:]})  # "+33…" and WhatsApp's "33…"


def _event_texts(row: Any) -> Iterator[str]:
    yield row.url
    yield from (str(v) for v in (row.headers or {}).values())
    for pairs in (row.form or [], row.query or []):
        for pair in pairs:
            yield from (str(part) for part in pair)
    body = bytes(row.body or b"").decode("utf-8", "replace")
    yield body
    yield unquote_plus(body)
    yield from (value for _key, value in parse_qsl(body))
    try:
        parsed = json.loads(body)
    except ValueError:
        return
    yield from (value for _key, value in _walk(parsed) if isinstance(value, str))


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
