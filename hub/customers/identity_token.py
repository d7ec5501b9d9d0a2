"""The signed identity token a brand's site gives its web-chat widget (docs/identity.md).

A JWT signed with HMAC-SHA256 (``alg: HS256``) under the brand's secret
(``CHAT_IDENTITY_SECRETS``): any JWT library can make one. Verified here with the
standard library: the signature in constant time, then the expiry and the claims.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.domain.errors import EntraideError

_SUBJECT = re.compile(r"^[A-Za-z0-9_.:@+-]{1,128}$")
_BRAND = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class IdentityTokenRejected(EntraideError):
    """The token is malformed, forged, expired or for an unknown brand; ``status`` is the
    HTTP status a web endpoint answers with (400 malformed, 401 not acceptable)."""

    def __init__(self, reason: str, *, status: int = 401) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class IdentityClaims:
    """Who the brand's site says the visitor is."""

    brand: str
    subject: str  # the brand's own user id
    email: str = ""
    phone: str = ""
    name: str = ""


def brand_secrets(raw: str) -> dict[str, str]:
    """``CHAT_IDENTITY_SECRETS``: "brand=secret" pairs separated by commas."""
    secrets: dict[str, str] = {}
    for pair in raw.split(","):
        if not pair.strip():
            continue
        brand, sep, secret = pair.strip().partition("=")
        if not sep or not _BRAND.match(brand) or not secret:
            raise ValueError(f"CHAT_IDENTITY_SECRETS: {brand or pair!r} is not brand=secret")
        secrets[brand] = secret
    return secrets


def sign_identity_token(claims: Mapping[str, Any], secret: str) -> str:
    """What a brand's backend does (here for tests and the demo): header.payload.signature."""
    header = _encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _encode(json.dumps(dict(claims), separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_encode(signature.digest())}"


def verify_identity_token(
    token: str, *, brand: str, secrets: Mapping[str, str], max_lifetime_seconds: int,
    now: datetime | None = None,
) -> IdentityClaims:
    """The claims of a token the brand signed; IdentityTokenRejected with the reason."""
    secret = secrets.get(brand)
    if secret is None:
        raise IdentityTokenRejected(f"unknown brand {brand[:40]!r}", status=400)
    header, payload, signature = _parts(token)
    if _decode_json(header).get("alg") != "HS256":
        raise IdentityTokenRejected("the token must be signed with HS256", status=400)
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.digest(), _decode(signature)):
        raise IdentityTokenRejected("bad signature: the token was not signed by the brand")
    claims = _decode_json(payload)
    _check_times(claims, now or datetime.now(UTC), max_lifetime_seconds)
    return _claims(brand, claims)


def _parts(token: str) -> tuple[str, str, str]:
    pieces = token.strip().split(".")
    if len(pieces) != 3 or not all(pieces):
        raise IdentityTokenRejected("malformed token: expected header.payload.signature",
                                    status=400)
    return pieces[0], pieces[1], pieces[2]


def _check_times(claims: dict[str, Any], now: datetime, max_lifetime: int) -> None:
    expires = claims.get("exp")  # a JWT NumericDate: seconds, fractions allowed
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise IdentityTokenRejected("the token has no expiry (exp, seconds since 1970)",
                                    status=400)
    stamp = now.timestamp()
    if expires <= stamp:
        raise IdentityTokenRejected("the token has expired")
    if expires - stamp > max_lifetime:
        raise IdentityTokenRejected(f"the token expires more than {max_lifetime} seconds "
                                    "from now")


def _claims(brand: str, claims: dict[str, Any]) -> IdentityClaims:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _SUBJECT.match(subject):
        raise IdentityTokenRejected("sub must be the brand's user id (1-128 characters)",
                                    status=400)
    texts = {name: claims.get(name, "") for name in ("email", "phone", "name")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise IdentityTokenRejected("email, phone and name must be strings", status=400)
    return IdentityClaims(brand=brand, subject=subject, email=texts["email"][:320],
                          phone=texts["phone"][:40], name=texts["name"][:200])


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise IdentityTokenRejected("malformed token: not base64url", status=400) from None


def _decode_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(_decode(text))
    except (UnicodeDecodeError, ValueError):
        raise IdentityTokenRejected("malformed token: not JSON", status=400) from None
    if not isinstance(value, dict):
        raise IdentityTokenRejected("malformed token: not a JSON object", status=400)
    return value
