"""Address normalization: the identity key of a phone number or an email."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from hub.domain.kinds import IdentityKind


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


def normalize(kind: IdentityKind, raw: str, region: str = "FR") -> Address:
    if kind is IdentityKind.PHONE:
        return normalize_phone(raw, region)
    if kind is IdentityKind.EMAIL:
        return normalize_email(raw)
    return Address(kind, raw.strip(), verified=True)
