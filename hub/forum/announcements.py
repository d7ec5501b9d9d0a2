"""Incidents on the forum: one announcement topic per incident, pinned at the top of the
affected categories and rewritten at each step (every update appended; the title says
when it is resolved), and the link from new questions to the incidents they are about."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.forum.markdown import render
from hub.forum.models import ForumCategory, ForumPost, ForumTopic, PostStatus
from hub.forum.text import fold, slugify
from hub.incidents.matching import incidents_of_topic, matching_incidents
from hub.incidents.matching import link_topic as _link
from hub.incidents.models import Incident, IncidentStatus

PINNED_AFTER_RESOLUTION = timedelta(days=1)
STEP_LABELS = {IncidentStatus.DECLARED: "Déclaré / Declared",
               IncidentStatus.UPDATED: "Mise à jour / Update",
               IncidentStatus.RESOLVED: "Résolu / Resolved"}


def announcement_title(incident: Incident) -> str:
    prefix = "[Résolu / Resolved]" if not incident.active else "[Incident]"
    return f"{prefix} {incident.title}"[:200]


def announcement_body(incident: Incident) -> str:
    """The incident's story, newest first; each message kept as the supervisor wrote it
    (Markdown, sanitized when rendered)."""
    parts = [incident.message, ""]
    for update in reversed(incident.updates):
        when = update.created_at.strftime("%Y-%m-%d %H:%M UTC")
        parts += ["---", f"**{STEP_LABELS[update.status]}** · {when}", "", update.message, ""]
    return "\n".join(parts).strip()


def sync_announcement(session: Session, *, incident: Incident) -> ForumTopic | None:
    """Create or rewrite the announcement topic (in the first affected category, or the
    first category when the incident covers them all). None without any category."""
    title, body = announcement_title(incident), announcement_body(incident)
    topic = session.get(ForumTopic, incident.announcement_topic_id) \
        if incident.announcement_topic_id else None
    if topic is None:
        category_id = _home_category(session, incident)
        if category_id is None:
            return None
        topic = ForumTopic(category_id=category_id, author_id=None, title=title,
                           slug=slugify(title), search_text=fold(title)[:200],
                           status=PostStatus.PUBLISHED, locked=True, announcement=True,
                           created_at=incident.started_at, last_activity_at=incident.updated_at)
        session.add(topic)
        session.flush()
        session.add(ForumPost(topic_id=topic.id, advisor_id=incident.declared_by_id,
                              is_question=True, body=body, body_html=render(body),
                              created_at=incident.started_at))
        incident.announcement_topic_id = topic.id
    else:
        topic.title, topic.slug = title, slugify(title)
        topic.search_text, topic.last_activity_at = fold(title)[:200], incident.updated_at
        question = session.scalars(select(ForumPost).where(
            ForumPost.topic_id == topic.id, ForumPost.is_question.is_(True))).one()
        question.body, question.body_html = body, render(body)
        question.edited_at = incident.updated_at
    session.flush()
    return topic


def _home_category(session: Session, incident: Incident) -> int | None:
    if incident.category_ids:
        return int(incident.category_ids[0])
    return session.scalar(select(ForumCategory.id).order_by(ForumCategory.position).limit(1))


def link_new_question(session: Session, *, topic: ForumTopic, text: str) -> list[Incident]:
    """The one place a new question meets the incidents: link it to every active incident
    of its category whose keywords it mentions (title and body in ``text``). The topic
    page then shows the askers the announcements."""
    found = matching_incidents(session, category_id=topic.category_id, text=text)
    for incident in found:
        _link(session, incident=incident, topic_id=topic.id)
    return found


def pinned_in(session: Session, *, category_id: int, now: datetime | None = None
              ) -> list[ForumTopic]:
    """The announcements pinned at the top of a category: its active incidents, and those
    resolved less than a day ago."""
    recent = (now or utcnow()) - PINNED_AFTER_RESOLUTION
    incidents = session.scalars(select(Incident).where(
        Incident.announcement_topic_id.is_not(None),
        (Incident.resolved_at.is_(None)) | (Incident.resolved_at >= recent))
        .order_by(Incident.started_at.desc()))
    ids = [i.announcement_topic_id for i in incidents
           if not i.category_ids or category_id in i.category_ids]
    if not ids:
        return []
    topics = {t.id: t for t in session.scalars(select(ForumTopic).where(ForumTopic.id.in_(ids)))}
    return [topics[i] for i in ids if i in topics]


def announcements_for_topic(session: Session, topic_id: int) -> list[ForumTopic]:
    """The announcements of the incidents this question is linked to."""
    ids = [i.announcement_topic_id for i in incidents_of_topic(session, topic_id)
           if i.announcement_topic_id]
    if not ids:
        return []
    return list(session.scalars(select(ForumTopic).where(ForumTopic.id.in_(ids))))
