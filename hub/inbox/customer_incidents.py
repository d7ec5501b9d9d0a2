"""The customer's open incidents for the customer panel: those linked to any of their
conversations by an advisor, and those the incidents module matched to a forum question
the customer's forum member asked (``incident_topics``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.forum.models import ForumMember, ForumTopic
from hub.incidents.links import brief
from hub.incidents.models import Incident, IncidentConversation, IncidentStatus, IncidentTopic
from hub.timeline.models import Conversation


def open_incidents(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Newest first; ``via`` says how each one reaches the customer."""
    by_conversation = session.execute(
        select(Incident, IncidentConversation.conversation_id)
        .join(IncidentConversation, IncidentConversation.incident_id == Incident.id)
        .join(Conversation, Conversation.id == IncidentConversation.conversation_id)
        .where(Conversation.customer_id == customer_id,
               Incident.status != IncidentStatus.RESOLVED))
    by_topic = session.execute(
        select(Incident, IncidentTopic.topic_id)
        .join(IncidentTopic, IncidentTopic.incident_id == Incident.id)
        .join(ForumTopic, ForumTopic.id == IncidentTopic.topic_id)
        .join(ForumMember, ForumMember.id == ForumTopic.author_id)
        .where(ForumMember.customer_id == customer_id,
               Incident.status != IncidentStatus.RESOLVED))
    found: dict[int, dict[str, Any]] = {}
    for incident, conversation_id in by_conversation:
        view = found.setdefault(incident.id, _view(incident))
        view["conversation_ids"].append(conversation_id)
    for incident, topic_id in by_topic:
        view = found.setdefault(incident.id, _view(incident))
        view["topic_ids"].append(topic_id)
    return sorted(found.values(), key=lambda v: (v["started_at"], v["id"]), reverse=True)


def _view(incident: Incident) -> dict[str, Any]:
    return {**brief(incident), "conversation_ids": [], "topic_ids": []}
