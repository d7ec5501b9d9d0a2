"""Visitor sessions: the hub signs "this browser is visitor V of account A".

The browser cannot hold a provider secret, so the hub issues the proof itself
(``itsdangerous``, HMAC-SHA1 over a timestamped payload, salt per purpose) and every
message, history read and socket of the widget carries it.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from channels.webchat.config import SESSION_HEADER, WebchatCredentials
from hub.domain.errors import SignatureRejected

SALT = "entraide.webchat.visitor"
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
MAX_TOKEN = 600


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


def _serializer(credentials: WebchatCredentials) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(credentials.secret, salt=SALT)


def issue(credentials: WebchatCredentials, account_key: str, visitor_id: str) -> str:
    if not VISITOR_ID.match(visitor_id):
        raise ValueError("a visitor id is 8-100 characters from A-Z a-z 0-9 _ -")
    return str(_serializer(credentials).dumps({"v": visitor_id, "a": account_key}))


def visitor_of(token: str | None, credentials: WebchatCredentials, account_key: str) -> str:
    """The visitor id the session proves; SignatureRejected with the reason otherwise."""
    if not token:
        raise SignatureRejected(f"missing visitor session (the {SESSION_HEADER} header)")
    if len(token) > MAX_TOKEN:
        raise SignatureRejected("the visitor session is too long")
    try:
        payload = _serializer(credentials).loads(token, max_age=credentials.session_max_age)
    except SignatureExpired:
        raise SignatureRejected("the visitor session has expired") from None
    except BadSignature:
        raise SignatureRejected("the visitor session is not signed by this hub") from None
    return _checked(payload, account_key)


def unverified_visitor_of(token: str | None) -> str:
    """The visitor id of a session already verified at the door (parse runs later, in a
    worker, when the session may have expired): no signature or age check here."""
    if not token:
        return ""
    _valid, payload = URLSafeTimedSerializer("", salt=SALT).loads_unsafe(token)
    visitor = payload.get("v") if isinstance(payload, dict) else None
    return visitor if isinstance(visitor, str) and VISITOR_ID.match(visitor) else ""


def _checked(payload: Any, account_key: str) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), str):
        raise SignatureRejected("the visitor session is malformed")
    if payload.get("a") != account_key:
        raise SignatureRejected("the visitor session belongs to another web-chat account")
    if not VISITOR_ID.match(payload["v"]):
        raise SignatureRejected("the visitor session is malformed")
    return str(payload["v"])

