"""Address normalization: the identity key of a phone number, an email, a WhatsApp id, a
social network id or a web-chat visitor. What cannot be parsed is kept raw, unverified."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from hub.domain.kinds import SCOPED_KINDS, IdentityKind

MAX_ADDRESS = 320  # identities.address


@dataclass(frozen=True)
class Address:
    kind: IdentityKind
    value: str
    verified: bool


def normalize_phone(raw: str, region: str = "FR") -> Address:
    """E.164 when the number parses and is valid; the raw text, unverified, otherwise."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Address(IdentityKind.PHONE, text, verified=False)
    if not phonenumbers.is_valid_number(number):
        return Address(IdentityKind.PHONE, text, verified=False)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Address(IdentityKind.PHONE, e164, verified=True)


_LOCAL = re.compile(r"^[^\s@\\\"(),:;<>\[\]]{1,64}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_email(raw: str) -> Address:
    """Lower-cased, IDN domain in punycode; anything malformed is kept raw, unverified."""
    text = raw.strip()
    local, sep, domain = text.rpartition("@")
    unverified = Address(IdentityKind.EMAIL, text.lower(), verified=False)
    if not sep or not _LOCAL.match(local) or "." not in domain:
        return unverified
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return unverified
    if not all(_LABEL.match(label) for label in ascii_domain.split(".")):
        return unverified
    return Address(IdentityKind.EMAIL, f"{local}@{ascii_domain}".lower(), verified=True)


_DIGITS = re.compile(r"^[0-9]{1,30}$")
_SCOPE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_VISITOR = re.compile(r"^[A-Za-z0-9_-]{8,100}$")


def normalize_whatsapp(wa_id: str, region: str = "FR") -> Address:
    """A ``wa_id`` is the international number without "+": it is the phone identity, so
    an SMS and a WhatsApp message from one number find one customer."""
    text = wa_id.strip()
    if _DIGITS.match(text):
        return normalize_phone("+" + text, region)
    return normalize_phone(text, region)


def normalize_scoped(kind: IdentityKind, user_id: str, scope: str) -> Address:
    """A Messenger / Instagram user id (digits) within the page or account it is
    scoped to: "<scope>:<user id>". Anything else is kept raw, unverified."""
    text, page = user_id.strip(), scope.strip()
    if _DIGITS.match(text) and _SCOPE.match(page):
        return Address(kind, f"{page}:{text}", verified=True)
    raw = f"{page}:{text}" if page else text
    return Address(kind, raw[:MAX_ADDRESS], verified=False)


def normalize_x(user_id: str) -> Address:
    """An X (Twitter) user id: digits, the same for every account of the brand."""
    text = user_id.strip()
    return Address(IdentityKind.X, text[:MAX_ADDRESS], verified=bool(_DIGITS.match(text)))


def normalize_visitor(visitor_id: str) -> Address:
    """An anonymous web-chat visitor: never proof of who they are (always unverified)."""
    text = visitor_id.strip()
    value = f"visitor:{text}" if _VISITOR.match(text) else text
    return Address(IdentityKind.CHAT, value[:MAX_ADDRESS], verified=False)


def normalize(kind: IdentityKind, raw: str, region: str = "FR", scope: str = "") -> Address:
    """The identity key of a sender id as an adapter passes it (``InboundItem``)."""
    if kind is IdentityKind.PHONE:
        return normalize_phone(raw, region)
    if kind is IdentityKind.WHATSAPP:
        return normalize_whatsapp(raw, region)
    if kind is IdentityKind.EMAIL:
        return normalize_email(raw)
    if kind in SCOPED_KINDS:
        return normalize_scoped(kind, raw, scope)
    if kind is IdentityKind.X:
        return normalize_x(raw)
    if kind is IdentityKind.CHAT:
        return normalize_visitor(raw)
    return Address(kind, raw.strip()[:MAX_ADDRESS], verified=True)
