"""Enumerations shared by every layer: channel kinds, identity kinds, statuses."""

from __future__ import annotations

from enum import StrEnum


class ChannelKind(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"
    FORUM = "forum"


class IdentityKind(StrEnum):
    """What an identity's address is: the key that finds a customer."""

    PHONE = "phone"  # E.164
    EMAIL = "email"  # lower-cased
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    X = "x"
    FORUM = "forum"
    CHAT = "chat"  # "visitor:<widget id>" (anonymous) or "<brand>:<user id>" (signed in)
    CONSOLE = "console"
    # Input only: a WhatsApp ``wa_id`` is a phone number, stored as a PHONE identity.
    WHATSAPP = "whatsapp"


# Ids a provider scopes to one of the brand's pages or accounts (a Messenger PSID is only
# meaningful for the page it wrote to, an Instagram IGSID for the professional account):
# stored as "<page or account id>:<user id>". X user ids are global: stored as they are.
SCOPED_KINDS = frozenset({IdentityKind.MESSENGER, IdentityKind.INSTAGRAM})


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DeliveryStatus(StrEnum):
    """Outbound message status. Rank only moves forward (see ``advances``)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    RECEIVED = "received"  # inbound items

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def advances(self, current: DeliveryStatus | None) -> bool:
        """True when moving from ``current`` to this status is progress."""
        return current is None or self.rank > current.rank


_RANKS = {
    DeliveryStatus.RECEIVED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.SENT: 3,
    DeliveryStatus.DELIVERED: 4,
    DeliveryStatus.UNDELIVERED: 4,
    DeliveryStatus.FAILED: 5,
    DeliveryStatus.READ: 6,
}
