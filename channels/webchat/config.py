"""Credentials of one web-chat account: the key that signs visitor sessions, and the
live connection replies are pushed to (given by the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.domain.errors import ProviderError
from hub.domain.ports import VISITOR_SESSION_HEADER

# push(room, event, data): emit ``event`` to the visitors' Socket.IO room. It may raise
# ProviderError when the push cannot be handed over (retryable); a push that is handed
# over but reaches no browser is not an error: the reply is in the visitor's history.
Push = Callable[[str, str, dict[str, Any]], None]

SESSION_HEADER = VISITOR_SESSION_HEADER


def no_push(room: str, event: str, data: dict[str, Any]) -> None:
    raise ProviderError("no live connection is configured for web chat", retryable=False)


@dataclass(frozen=True)
class WebchatCredentials:
    secret: str  # signs visitor sessions; never leaves the hub
    session_max_age: int = 30 * 86400
    push: Push = no_push


def visitor_room(account_key: str, visitor_id: str) -> str:
    """The Socket.IO room of one visitor of one web-chat account (namespace /visitor)."""
    return f"webchat:{account_key}:{visitor_id}"
