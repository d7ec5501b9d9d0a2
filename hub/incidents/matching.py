"""Which active incidents a new forum question is about: same category (an incident
without categories covers all), and one of the incident's keywords starts a word of the
title or body, ignoring case and accents ("coupure" finds "Coupures")."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.incidents.models import Incident, IncidentStatus, IncidentTopic


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def mentions(text: str, keyword: str) -> bool:
    needle = fold(keyword).strip()
    return bool(needle) and re.search(r"(?<!\w)" + re.escape(needle), fold(text)) is not None


def active_incidents(session: Session) -> list[Incident]:
    return list(session.scalars(select(Incident).where(
        Incident.status != IncidentStatus.RESOLVED).order_by(Incident.id)))


def matching_incidents(session: Session, *, category_id: int, text: str) -> list[Incident]:
    return [incident for incident in active_incidents(session)
            if (not incident.category_ids or category_id in incident.category_ids)
            and any(mentions(text, keyword) for keyword in incident.keywords)]


def link_topic(session: Session, *, incident: Incident, topic_id: int) -> bool:
    """Idempotent: False when the question was already linked."""
    try:
        with session.begin_nested():
            session.add(IncidentTopic(incident_id=incident.id, topic_id=topic_id))
    except IntegrityError:
        return False
    return True


def incidents_of_topic(session: Session, topic_id: int) -> list[Incident]:
    return list(session.scalars(select(Incident).join(
        IncidentTopic, IncidentTopic.incident_id == Incident.id).where(
        IncidentTopic.topic_id == topic_id).order_by(Incident.id)))
