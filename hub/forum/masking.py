"""Personal data masked before publication: phone numbers (French, every usual format),
email addresses, IBANs and customer account numbers (a configurable pattern).

A post in which anything was masked is held for a moderator's review; the original text
is never stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[•••]"
# The default shape of a customer account number ("client n° CL12345678", "CL-12345678").
DEFAULT_ACCOUNT_PATTERN = r"\bCL-?\d{8}\b"

_SEP = r"[ .\-\u00a0]?"
PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)"  # +33, 0033, +33 (0), or the national 0
    rf"[1-9](?:{_SEP}\d{{2}}){{4}}"
    r"(?!\w)"
)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(
    r"\b(?i:[a-z]{2})\d{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}(?:[ \u00a0]?[A-Za-z0-9]{1,4})?\b"
)


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: tuple[str, ...]  # "phone", "email", "iban", "account" in the order checked

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def mask(text: str, account_pattern: str = DEFAULT_ACCOUNT_PATTERN) -> Masked:
    patterns = [("iban", IBAN), ("email", EMAIL), ("phone", PHONE)]
    if account_pattern:
        patterns.append(("account", re.compile(account_pattern, re.IGNORECASE)))
    found = []
    for kind, pattern in patterns:
        text, count = pattern.subn(MASK, text)
        if count:
            found.append(kind)
    return Masked(text, tuple(found))
