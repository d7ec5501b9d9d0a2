"""Reads of incidents for the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.incidents.models import Incident, IncidentTopic


def incident_list(session: Session, *, active_only: bool = False) -> list[Incident]:
    query = select(Incident).order_by(Incident.started_at.desc(), Incident.id.desc())
    if active_only:
        query = query.where(Incident.resolved_at.is_(None))
    return list(session.scalars(query))


def linked_topic_ids(session: Session, incident_id: int) -> list[int]:
    return list(session.scalars(select(IncidentTopic.topic_id).where(
        IncidentTopic.incident_id == incident_id).order_by(IncidentTopic.topic_id)))


def incident_view(session: Session, incident: Incident, slugs: dict[int, str]
                  ) -> dict[str, Any]:
    return {"id": incident.id, "title": incident.title, "message": incident.message,
            "status": incident.status,
            "categories": [slugs[c] for c in incident.category_ids if c in slugs],
            "keywords": incident.keywords, "started_at": incident.started_at,
            "resolved_at": incident.resolved_at,
            "announcement_topic_id": incident.announcement_topic_id,
            "linked_topic_ids": linked_topic_ids(session, incident.id),
            "updates": [{"status": u.status, "message": u.message, "at": u.created_at}
                        for u in incident.updates]}
