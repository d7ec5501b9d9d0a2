"""Settings of one mailbox: the domain `entraide smtp` accepts, the relay replies go through."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

INGRESS_SIGNATURE = "X-Entraide-Ingress-Signature"


@dataclass(frozen=True)
class EmailCredentials:
    domain: str  # EMAIL_DOMAIN: mail for other domains is refused at RCPT TO
    from_address: str  # EMAIL_FROM
    ingress_secret: str  # signs what `entraide smtp` stores; the HTTP hook cannot forge it
    smtp_host: str = ""  # empty: replies are logged, not sent (the demo)
    smtp_port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = ""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
