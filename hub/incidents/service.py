"""Incident writes for supervisors: declare, post an update, resolve. Each step is an
``IncidentUpdate`` row; the forum keeps its announcement topic in step
(``hub/forum/announcements.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.incidents.matching import fold
from hub.incidents.models import Incident, IncidentStatus, IncidentUpdate

MAX_MESSAGE = 5000
MAX_KEYWORDS = 20


class Invalid(ValueError):
    """Bad input: ``field`` and an English ``reason`` (a 422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class AlreadyResolved(NotAllowed):
    pass


def _text(field: str, value: str, low: int, high: int) -> str:
    value = " ".join(value.split()) if field == "title" else value.strip()
    if not low <= len(value) <= high:
        raise Invalid(field, f"needs {low} to {high} characters")
    return value


def _keywords(words: list[str]) -> list[str]:
    folded = [fold(w).strip() for w in words]
    if len(words) > MAX_KEYWORDS or any(not 2 <= len(w) <= 60 for w in folded):
        raise Invalid("keywords", f"at most {MAX_KEYWORDS} keywords of 2 to 60 characters")
    return sorted(set(folded))


def declare(session: Session, *, title: str, message: str, category_ids: list[int],
            keywords: list[str], user: User, now: datetime | None = None) -> Incident:
    now = now or utcnow()
    incident = Incident(title=_text("title", title, 5, 200),
                        message=_text("message", message, 1, MAX_MESSAGE),
                        category_ids=sorted(set(category_ids)), keywords=_keywords(keywords),
                        declared_by_id=user.id, started_at=now, updated_at=now)
    session.add(incident)
    session.flush()
    _record(session, incident, IncidentStatus.DECLARED, incident.message, user, now)
    return incident


def post_update(session: Session, *, incident: Incident, message: str, user: User,
                now: datetime | None = None) -> Incident:
    return _step(session, incident, IncidentStatus.UPDATED, message, user, now)


def resolve(session: Session, *, incident: Incident, message: str, user: User,
            now: datetime | None = None) -> Incident:
    incident = _step(session, incident, IncidentStatus.RESOLVED, message, user, now)
    incident.resolved_at = incident.updated_at
    session.flush()
    return incident


def _step(session: Session, incident: Incident, status: str, message: str, user: User,
          now: datetime | None) -> Incident:
    if not incident.active:
        raise AlreadyResolved("the incident is resolved")
    now = now or utcnow()
    text = _text("message", message, 1, MAX_MESSAGE)
    incident.status, incident.updated_at = status, now
    _record(session, incident, status, text, user, now)
    return incident


def _record(session: Session, incident: Incident, status: str, message: str, user: User,
            now: datetime) -> None:
    session.add(IncidentUpdate(incident_id=incident.id, status=status, message=message,
                               author_id=user.id, created_at=now))
    session.flush()
    session.expire(incident, ["updates"])
