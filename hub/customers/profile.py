"""The customer profile: what may be edited, its rules, the write and the card view.

Writable: name, language, preferred channel, consent flags (may we text? email?), tags,
VIP level and notes. Ids, dates, identities and merge or erasure state are not: the
schema refuses unknown fields, so they cannot be mass-assigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate
from sqlalchemy.orm import Session

from hub.audit.service import Actor, record
from hub.customers.models import Customer
from hub.domain.errors import NotAllowed
from hub.domain.kinds import ChannelKind

LANGUAGES = ("fr", "en")
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,30}$"
MAX_TAGS = 20
MAX_NOTES = 5000
MAX_VIP_LEVEL = 3
COLUMNS = {"name": "display_name"}  # API field → Customer attribute, when they differ
# Audited with their new values; the other fields (free text) only by name.
ENUMERATED = frozenset({"language", "preferred_channel", "consent_sms", "consent_email",
                        "vip_level"})


class FullMatch(validate.Regexp):
    """``Regexp`` over the whole value (``re.match`` with ``$`` lets a final newline in)."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class StrictBoolean(fields.Boolean):
    """JSON ``true``/``false`` only (not 1, "yes" or "on")."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def no_nul(value: str) -> None:
    """PostgreSQL text cannot hold NUL; refuse it here rather than fail at the INSERT."""
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class ProfileChanges(Schema):
    """The editable profile fields; every one is optional, unknown ones are refused."""

    name = fields.String(validate=[validate.Length(min=1, max=200), not_blank, no_nul])
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    preferred_channel = fields.String(
        allow_none=True, validate=validate.OneOf([kind.value for kind in ChannelKind]),
        metadata={"description": "a channel kind; null for no preference"})
    consent_sms = StrictBoolean(metadata={"description": "the customer agrees to be texted"})
    consent_email = StrictBoolean(metadata={"description": "the customer agrees to be emailed"})
    tags = fields.List(
        fields.String(validate=FullMatch(TAG_PATTERN, error="Not a tag: {input}.")),
        validate=validate.Length(max=MAX_TAGS),
        metadata={"description": "short slugs; the list replaces the previous one"})
    vip_level = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_VIP_LEVEL))
    notes = fields.String(validate=[validate.Length(max=MAX_NOTES), no_nul])

    @post_load
    def _normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if "name" in data:
            data["name"] = data["name"].strip()
        if "tags" in data:
            data["tags"] = list(dict.fromkeys(data["tags"]))  # duplicates once, order kept
        return data


def update_profile(session: Session, *, customer_id: int, changes: Mapping[str, Any],
                   actor: Actor) -> Customer:
    """Apply validated ``changes`` (``ProfileChanges`` rules, checked again here) and write
    one audit entry naming the fields that changed. Raises ``ValidationError`` or
    ``NotAllowed``; the caller commits."""
    values = ProfileChanges().load(dict(changes))
    customer = session.get(Customer, customer_id, with_for_update=True, populate_existing=True)
    if customer is None:
        raise NotAllowed("no such customer")
    if getattr(customer, "erased_at", None) is not None:
        raise NotAllowed("this customer's data was erased")
    changed = {}
    for field, value in values.items():
        attribute = COLUMNS.get(field, field)
        if getattr(customer, attribute) != value:
            setattr(customer, attribute, value)
            changed[field] = value
    if changed:
        record(session, actor=actor, action="customer.profile_updated",
               subject_type="customer", subject_id=customer.id, reason="",
               details={"fields": sorted(changed),
                        "values": {k: v for k, v in changed.items() if k in ENUMERATED}})
    session.flush()
    return customer


def profile_view(customer: Customer) -> dict[str, Any]:
    """The customer card without the account (the caller adds it, outside any lock)."""
    return {
        "id": customer.id,
        "name": customer.display_name,
        "language": customer.language,
        "preferred_channel": customer.preferred_channel,
        "consent_sms": customer.consent_sms,
        "consent_email": customer.consent_email,
        "tags": list(customer.tags or []),
        "vip": customer.vip,
        "vip_level": customer.vip_level,
        "notes": customer.notes,
        "created_at": customer.created_at.isoformat(),
        "identities": [
            {"kind": i.kind, "address": i.address, "verified": i.verified}
            for i in customer.identities
        ],
    }
