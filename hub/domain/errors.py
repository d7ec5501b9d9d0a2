"""Errors that cross layers. Each carries a reason a human can read."""

from __future__ import annotations


class EntraideError(Exception):
    """Base class; ``reason`` is safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureRejected(EntraideError):
    """An inbound request is not signed by the provider it claims to come from."""


class BadPayload(EntraideError):
    """An inbound request or event cannot be understood."""


class UnknownChannel(EntraideError):
    """No adapter or account is registered under that name."""


class ProviderError(EntraideError):
    """A provider API refused or failed a call."""

    def __init__(self, reason: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.status = status


class NotAllowed(EntraideError):
    """A business rule forbids the action (e.g. the offer was already taken)."""
