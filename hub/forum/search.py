"""Similar solved questions for the asker, while they type a title.

A small function on purpose: token overlap on folded titles (accent- and case-free, the
same on PostgreSQL and SQLite). Swap it for the hub's full-text search when it exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.forum.models import ForumTopic, PostStatus
from hub.forum.text import fold, tokens

CANDIDATES = 200


@dataclass(frozen=True)
class Similar:
    topic_id: int
    title: str
    slug: str
    score: float


def similar_topics(session: Session, query: str, *, limit: int = 5) -> list[Similar]:
    words = tokens(query)[:8]
    if not words:
        return []
    likes = [ForumTopic.search_text.like(f"%{_escape(word)}%", escape="\\") for word in words]
    rows = session.execute(
        select(ForumTopic.id, ForumTopic.title, ForumTopic.slug, ForumTopic.search_text)
        .where(ForumTopic.status == PostStatus.PUBLISHED,
               ForumTopic.solution_post_id.is_not(None), or_(*likes))
        .order_by(ForumTopic.last_activity_at.desc())
        .limit(CANDIDATES)
    ).all()
    scored = []
    for topic_id, title, slug, search_text in rows:
        title_words = set(fold(search_text).split())
        hits = sum(1 for w in words if any(t.startswith(w) or w.startswith(t)
                                            for t in title_words if len(t) >= 3))
        if hits:
            scored.append(Similar(topic_id, title, slug, hits / len(words)))
    scored.sort(key=lambda s: (-s.score, -s.topic_id))
    return scored[:limit]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
