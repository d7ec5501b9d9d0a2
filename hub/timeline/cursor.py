"""Opaque, signed keyset cursors: a position (occurred_at, id) on one customer's timeline.

A cursor is URL-safe base64 of 16 bytes of position and 10 bytes of HMAC-SHA256 over the
position and the customer id: clients cannot forge positions, and a cursor from another
customer's timeline is refused like garbage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POSITION = struct.Struct(">qq")  # microseconds since the epoch, interaction id
_TAG_BYTES = 10


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    occurred_at: datetime
    id: int


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"timeline-cursor", hashlib.sha256).digest()

    def encode(self, position: Position, *, customer_id: int) -> str:
        micros = (position.occurred_at - EPOCH) // timedelta(microseconds=1)
        payload = _POSITION.pack(micros, position.id)
        raw = payload + self._tag(payload, customer_id)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str, *, customer_id: int) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise BadCursor("not a cursor of this timeline") from None
        payload, tag = raw[:_POSITION.size], raw[_POSITION.size:]
        if len(raw) != _POSITION.size + _TAG_BYTES or not hmac.compare_digest(
            tag, self._tag(payload, customer_id)
        ):
            raise BadCursor("not a cursor of this timeline")
        micros, interaction_id = _POSITION.unpack(payload)
        try:
            occurred_at = EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            raise BadCursor("not a cursor of this timeline") from None
        return Position(occurred_at, interaction_id)

    def _tag(self, payload: bytes, customer_id: int) -> bytes:
        message = payload + str(customer_id).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_TAG_BYTES]
