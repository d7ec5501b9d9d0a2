"""Community metrics: who answers the questions (community, brand, nobody), how fast,
how concentrated the answers are, deflection and escalations.

Definitions (docs/forum.md): a *question* is a published topic asked in the period
(incident announcements excluded). It is *answered by the community* when a member other
than the asker replied publicly; else *answered by the brand* when an advisor posted in
it (an answer or the private-case note); else *unanswered*. Time to solution runs to the
accepted answer, else to the first certified one. The top-10 share counts the public
member replies to those questions written by the 10 members who wrote most of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.forum.desk_models import ForumEscalation
from hub.forum.models import (
    ForumCategory,
    ForumPost,
    ForumSuggestionClick,
    ForumTopic,
    PostStatus,
)

TOP = 10


def community_metrics(session: Session, *, category: str | None = None,
                      since: datetime | None = None, until: datetime | None = None,
                      pending_views: Mapping[int, int] | None = None
                      ) -> dict[str, Any] | None:
    """None when ``category`` names no category. ``pending_views``: the topic views
    counted in Redis and not yet flushed to ``view_count`` (hub/forum/views.py)."""
    categories = list(session.scalars(select(ForumCategory).order_by(ForumCategory.position)))
    if category is not None:
        categories = [c for c in categories if c.slug == category]
        if not categories:
            return None
    ids = [c.id for c in categories]
    topics = _questions(session, ids, since, until)
    posts = _replies(session, [t.id for t in topics])
    outcome = {t.id: _outcome(t, posts.get(t.id, [])) for t in topics}
    figures = _shares(list(outcome.values()))
    figures.update(since=since, until=until,
                   median_first_community_reply_seconds=_median_first_reply(topics, posts),
                   median_solution_seconds=_median_solution(topics, posts),
                   top10_answer_share=_top_share(topics, posts),
                   **_deflection(session, ids, topics, since, until, pending_views or {}),
                   escalations=_escalations(session, ids, since, until))
    figures["by_category"] = [
        {"category": c.slug, **_shares([outcome[t.id] for t in topics if t.category_id == c.id])}
        for c in categories]
    return figures


def _in_period(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    return ([column >= since] if since else []) + ([column < until] if until else [])


def _questions(session: Session, category_ids: list[int], since: datetime | None,
               until: datetime | None) -> list[ForumTopic]:
    return list(session.scalars(select(ForumTopic).where(
        ForumTopic.category_id.in_(category_ids), ForumTopic.status == PostStatus.PUBLISHED,
        ForumTopic.announcement.is_(False),
        *_in_period(ForumTopic.created_at, since, until)).order_by(ForumTopic.id)))


def _replies(session: Session, topic_ids: list[int]) -> dict[int, list[ForumPost]]:
    found: dict[int, list[ForumPost]] = {}
    rows = session.scalars(select(ForumPost).where(
        ForumPost.topic_id.in_(topic_ids), ForumPost.is_question.is_(False),
        ForumPost.status == PostStatus.PUBLISHED).order_by(ForumPost.created_at, ForumPost.id))
    for post in rows:
        found.setdefault(post.topic_id, []).append(post)
    return found


def _community(topic: ForumTopic, posts: list[ForumPost]) -> list[ForumPost]:
    return [p for p in posts if p.author_id is not None and p.author_id != topic.author_id]


def _outcome(topic: ForumTopic, posts: list[ForumPost]) -> str:
    if _community(topic, posts):
        return "community"
    if any(p.advisor_id is not None for p in posts):
        return "brand"
    return "unanswered"


def _shares(outcomes: list[str]) -> dict[str, Any]:
    counts = Counter(outcomes)
    total = len(outcomes)

    def share(n: int) -> float:
        return round(n / total, 4) if total else 0.0

    return {"questions": total, "answered_by_community": counts["community"],
            "answered_by_brand": counts["brand"], "unanswered": counts["unanswered"],
            "community_share": share(counts["community"]),
            "brand_share": share(counts["brand"]),
            "unanswered_share": share(counts["unanswered"])}


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def _median_first_reply(topics: list[ForumTopic], posts: dict[int, list[ForumPost]]
                        ) -> float | None:
    delays = [_seconds(community[0].created_at, t.created_at) for t in topics
              if (community := _community(t, posts.get(t.id, [])))]
    return float(median(delays)) if delays else None


def _median_solution(topics: list[ForumTopic], posts: dict[int, list[ForumPost]]
                     ) -> float | None:
    delays = []
    for topic in topics:
        replies = posts.get(topic.id, [])
        solution = next((p for p in replies if p.id == topic.solution_post_id), None) or \
            next((p for p in replies if p.certified_by_id is not None), None)
        if solution is not None:
            delays.append(_seconds(solution.created_at, topic.created_at))
    return float(median(delays)) if delays else None


def _top_share(topics: list[ForumTopic], posts: dict[int, list[ForumPost]]) -> float | None:
    authors = Counter(p.author_id for t in topics for p in _community(t, posts.get(t.id, [])))
    total = sum(authors.values())
    if not total:
        return None
    return round(sum(n for _, n in authors.most_common(TOP)) / total, 4)


def _deflection(session: Session, category_ids: list[int], topics: list[ForumTopic],
                since: datetime | None, until: datetime | None,
                pending_views: Mapping[int, int]) -> dict[str, Any]:
    clicks = session.scalar(select(func.count(ForumSuggestionClick.id)).join(
        ForumTopic, ForumTopic.id == ForumSuggestionClick.topic_id).where(
        ForumTopic.category_id.in_(category_ids),
        *_in_period(ForumSuggestionClick.created_at, since, until))) or 0
    views = sum(t.view_count + pending_views.get(t.id, 0) for t in topics)
    asked = len(topics)
    return {"suggestion_clicks": clicks, "topic_views": views,
            "clicks_per_question": round(clicks / asked, 4) if asked else None,
            "views_per_question": round(views / asked, 4) if asked else None}


def _escalations(session: Session, category_ids: list[int], since: datetime | None,
                 until: datetime | None) -> int:
    return session.scalar(select(func.count(ForumEscalation.id)).join(
        ForumTopic, ForumTopic.id == ForumEscalation.topic_id).where(
        ForumTopic.category_id.in_(category_ids),
        *_in_period(ForumEscalation.created_at, since, until))) or 0
