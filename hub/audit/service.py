"""Writing the audit log, with control characters neutralised (no log injection)."""

from __future__ import annotations

import getpass
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who acts: an advisor (``user_id``), the command line or the hub itself."""

    label: str
    user_id: int | None = None

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls(label=f"user:{user_id}", user_id=user_id)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(label=f"system:{name}")

    @classmethod
    def cli(cls) -> Actor:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            name = "unknown"
        return cls(label=f"cli:{name}")


def neutralise(text: str) -> str:
    """Encode control, format (bidi overrides…) and line/paragraph separator characters
    as ``\\xNN``/``\\uNNNN``, so a reason cannot forge log lines or hide text; a
    backslash is doubled so an encoded form cannot be faked either. Spaces, including
    the no-break spaces of French typography, are kept."""
    out: list[str] = []
    for char in text.replace("\\", "\\\\"):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def record(
    session: Session, *, actor: Actor, action: str, subject_type: str, subject_id: int | str,
    reason: str, details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the session's transaction (it commits, or rolls back, with the
    action it records) and log it on one line."""
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor=neutralise(actor.label)[:200],
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        reason=neutralise(reason),
        details=details or {},
    )
    session.add(entry)
    session.flush()
    log.info("audit #%s %s %s:%s by %s: %s", entry.id, action, subject_type, entry.subject_id,
             entry.actor, entry.reason)
    return entry
