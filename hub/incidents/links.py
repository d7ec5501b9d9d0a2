"""Advisors link a conversation to an open incident (and unlink it): the customer is
affected. Each change is audited and pushed to the advisor's room as
``incidents.changed`` so the customer panel follows (docs/inbox.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.audit.service import Actor, record
from hub.auth.models import User
from hub.domain.errors import NotAllowed
from hub.events import publish, user_room
from hub.incidents.matching import active_incidents
from hub.incidents.models import Incident, IncidentConversation
from hub.timeline.models import Conversation


class ResolvedIncident(NotAllowed):
    """A resolved incident takes no new conversation (a 409)."""


def brief(incident: Incident) -> dict[str, Any]:
    return {"id": incident.id, "title": incident.title, "status": incident.status,
            "started_at": incident.started_at, "resolved_at": incident.resolved_at}


def incidents_of_conversation(session: Session, conversation_id: int) -> list[Incident]:
    return list(session.scalars(
        select(Incident).join(IncidentConversation,
                              IncidentConversation.incident_id == Incident.id)
        .where(IncidentConversation.conversation_id == conversation_id).order_by(Incident.id)))


def choices(session: Session, conversation_id: int) -> dict[str, list[dict[str, Any]]]:
    """The incidents linked to the conversation, and the open ones it could be linked to."""
    linked = incidents_of_conversation(session, conversation_id)
    ids = {incident.id for incident in linked}
    return {"linked": [brief(i) for i in linked],
            "open": [brief(i) for i in active_incidents(session) if i.id not in ids]}


def link_conversation(session: Session, *, incident: Incident, conversation: Conversation,
                      user: User) -> bool:
    """Idempotent: False when it was already linked. A resolved incident is refused."""
    if not incident.active:
        raise ResolvedIncident("the incident is resolved")
    try:
        with session.begin_nested():
            session.add(IncidentConversation(incident_id=incident.id,
                                             conversation_id=conversation.id,
                                             linked_by_id=user.id))
    except IntegrityError:
        return False
    _changed(session, "incident.conversation_linked", incident, conversation, user)
    return True


def unlink_conversation(session: Session, *, incident: Incident, conversation: Conversation,
                        user: User) -> bool:
    """Idempotent: False when it was not linked. Allowed once resolved (a wrong link)."""
    removed = session.execute(delete(IncidentConversation).where(
        IncidentConversation.incident_id == incident.id,
        IncidentConversation.conversation_id == conversation.id)).rowcount
    if removed:
        _changed(session, "incident.conversation_unlinked", incident, conversation, user)
    return bool(removed)


def _changed(session: Session, action: str, incident: Incident, conversation: Conversation,
             user: User) -> None:
    record(session, actor=Actor.user(user.id), action=action, subject_type="conversation",
           subject_id=conversation.id, reason="",
           details={"incident_id": incident.id, "customer_id": conversation.customer_id})
    publish(session, room=user_room(user.id), name="incidents.changed",
            payload={"customer_id": conversation.customer_id,
                     "conversation_id": conversation.id, "incident_id": incident.id})
