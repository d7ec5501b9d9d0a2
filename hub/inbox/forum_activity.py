"""The customer's linked forum member and their recent topics and posts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.forum.models import ForumMember, ForumPost, ForumTopic, PostStatus


def forum_activity(session: Session, customer_id: int, *, limit: int = 5) -> dict[str, Any]:
    """``{"member": None}`` when the customer has no forum member linked."""
    member = session.scalar(select(ForumMember).where(ForumMember.customer_id == customer_id)
                            .order_by(ForumMember.id).limit(1))
    if member is None:
        return {"member": None, "topics": [], "posts": []}
    topics = session.scalars(
        select(ForumTopic).where(ForumTopic.author_id == member.id)
        .order_by(ForumTopic.created_at.desc(), ForumTopic.id.desc()).limit(limit))
    posts = session.execute(
        select(ForumPost.id, ForumPost.topic_id, ForumPost.body, ForumPost.status,
               ForumPost.created_at, ForumTopic.title)
        .join(ForumTopic, ForumTopic.id == ForumPost.topic_id)
        .where(ForumPost.author_id == member.id, ForumPost.is_question.is_(False))
        .order_by(ForumPost.created_at.desc(), ForumPost.id.desc()).limit(limit))
    return {
        "member": {"id": member.id, "pseudonym": member.pseudonym,
                   "reputation": member.reputation, "banned": member.banned_at is not None},
        "topics": [{"id": t.id, "title": t.title, "url": f"/forum/t/{t.id}-{t.slug}",
                    "status": t.status, "solved": t.solution_post_id is not None,
                    "reply_count": t.reply_count, "created_at": t.created_at.isoformat()}
                   for t in topics],
        "posts": [{"id": p.id, "topic_id": p.topic_id, "topic_title": p.title,
                   "excerpt": p.body[:160], "status": p.status,
                   "published": p.status == PostStatus.PUBLISHED,
                   "created_at": p.created_at.isoformat()} for p in posts],
    }
