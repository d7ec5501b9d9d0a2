"""Thread keys: a reply lands in the conversation of the mail it answers.

A thread is named by a token, the SHA-256 (32 hex digits) of its first Message-ID. Our
replies carry it twice: in their own Message-ID ``<token.key@domain>`` and in their
Reply-To ``reply+token@domain``. The conversation's key also names the sender, so a
stranger who learns a token opens a thread of their own, never someone else's.
"""

from __future__ import annotations

import hashlib
import re

TOKEN = re.compile(r"^[0-9a-f]{32}$")
_ANGLED = re.compile(r"<([^<>\s]{1,998})>")


def token_of(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def thread_key(token: str, sender: str) -> str:
    return f"{token}.{hashlib.sha256(sender.encode()).hexdigest()[:16]}"


def token_in_key(key: str) -> str:
    token = key.partition(".")[0]
    return token if TOKEN.match(token) else ""


def message_ids(header: str) -> list[str]:
    """The ids of an In-Reply-To or References header, in order."""
    return _ANGLED.findall(header or "")


def reply_address(token: str, domain: str) -> str:
    return f"reply+{token}@{domain}"


def outbound_message_id(token: str, key: str, domain: str) -> str:
    return f"<{token}.{key}@{domain}>"


def token_of_address(address: str, domain: str) -> str:
    local, _, host = address.strip().lower().rpartition("@")
    plus = local.partition("+")[2] if host == domain.lower() else ""
    return plus if TOKEN.match(plus) else ""


def token_of_our_id(message_id: str, domain: str) -> str:
    local, _, host = message_id.rpartition("@")
    token = local.partition(".")[0]
    return token if host.lower() == domain.lower() and TOKEN.match(token) else ""


def find_token(*, recipients: list[str], referenced: list[str], own_id: str,
               domain: str) -> str:
    """reply+token in a recipient, else one of our ids referenced, else the thread's first
    id (References starts with it), else this mail's own id: a new thread."""
    for address in recipients:
        if token := token_of_address(address, domain):
            return token
    for message_id in reversed(referenced):
        if token := token_of_our_id(message_id, domain):
            return token
    return token_of(referenced[0] if referenced else own_id)
