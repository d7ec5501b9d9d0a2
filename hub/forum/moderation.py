"""Moderation by advisors (hub users) and forum super-users: reports, the review of held
posts, hide/restore, lock, move, ban. Every action is logged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.forum.models import (
    ForumCategory,
    ForumMember,
    ForumModerationAction,
    ForumPost,
    ForumReport,
    ForumTopic,
    PostStatus,
)
from hub.forum.service import N_, ForumRefused, check_can_post, published

REASONS = ("spam", "abuse", "personal_data", "off_topic", "other")


@dataclass(frozen=True)
class Moderator:
    user: User | None = None
    member: ForumMember | None = None


def moderator_for(user: User | None, member: ForumMember | None) -> Moderator | None:
    """An active advisor, or a super-user member who is not banned."""
    if user is not None and user.active:
        return Moderator(user=user)
    if member is not None and member.is_super_user:
        return Moderator(member=member)
    return None


def _log(session: Session, moderator: Moderator, action: str, *, post: ForumPost | None = None,
         topic: ForumTopic | None = None, member: ForumMember | None = None,
         detail: str = "") -> None:
    session.add(ForumModerationAction(
        action=action, post_id=post.id if post else None, topic_id=topic.id if topic else None,
        member_id=member.id if member else None,
        actor_user_id=moderator.user.id if moderator.user else None,
        actor_member_id=moderator.member.id if moderator.member else None, detail=detail[:300]))


def report(session: Session, *, post: ForumPost, reporter: ForumMember, reason: str,
           comment: str = "") -> ForumReport:
    check_can_post(reporter)
    if reason not in REASONS:
        raise ForumRefused(N_("Choose a reason."))
    existing = session.scalar(select(ForumReport).where(
        ForumReport.post_id == post.id, ForumReport.reporter_id == reporter.id,
        ForumReport.status == "open"))
    if existing is not None:
        return existing
    row = ForumReport(post_id=post.id, reporter_id=reporter.id, reason=reason,
                      comment=comment.strip()[:500])
    session.add(row)
    session.flush()
    return row


def _resolve_reports(session: Session, post: ForumPost, status: str = "resolved") -> None:
    session.execute(update(ForumReport).where(
        ForumReport.post_id == post.id, ForumReport.status == "open").values(
        status=status, resolved_at=utcnow()))


def _set_status(post: ForumPost, status: str) -> None:
    was_counted = post.status == PostStatus.PUBLISHED and not post.is_question
    post.status = status
    if post.is_question:
        post.topic.status = status
    elif was_counted and status != PostStatus.PUBLISHED:
        post.topic.reply_count = ForumTopic.reply_count - 1
    elif not was_counted and status == PostStatus.PUBLISHED:
        post.topic.reply_count = ForumTopic.reply_count + 1
        post.topic.last_activity_at = utcnow()


def hide(session: Session, *, post: ForumPost, moderator: Moderator, reason: str = "") -> None:
    if post.advisor_id is not None and moderator.user is None:
        raise ForumRefused(N_("Only an advisor can hide a brand post."))
    _set_status(post, PostStatus.HIDDEN)
    _resolve_reports(session, post)
    _log(session, moderator, "hide", post=post, detail=reason)
    session.flush()


def publish(session: Session, *, post: ForumPost, moderator: Moderator) -> None:
    """Approve a held post or restore a hidden one."""
    action = "approve" if post.status == PostStatus.HELD else "restore"
    _set_status(post, PostStatus.PUBLISHED)
    _log(session, moderator, action, post=post)
    session.flush()
    if post.author_id is not None:
        published(session, post=post)


def dismiss_reports(session: Session, *, post: ForumPost, moderator: Moderator) -> None:
    _resolve_reports(session, post, status="dismissed")
    _log(session, moderator, "dismiss", post=post)
    session.flush()


def lock(session: Session, *, topic: ForumTopic, moderator: Moderator, locked: bool) -> None:
    topic.locked = locked
    _log(session, moderator, "lock" if locked else "unlock", topic=topic)
    session.flush()


def move(session: Session, *, topic: ForumTopic, category: ForumCategory,
         moderator: Moderator) -> None:
    _log(session, moderator, "move", topic=topic, detail=f"{topic.category_id}->{category.id}")
    topic.category_id = category.id
    session.flush()


def ban(session: Session, *, member: ForumMember, moderator: Moderator, banned: bool,
        reason: str = "") -> None:
    """A ban ends the member's sessions; a super-user cannot ban a super-user."""
    if moderator.user is None and (member.is_super_user or
                                   (moderator.member and moderator.member.id == member.id)):
        raise ForumRefused(N_("Only an advisor can ban this member."))
    member.banned_at = utcnow() if banned else None
    if banned:
        member.session_version = ForumMember.session_version + 1
    _log(session, moderator, "ban" if banned else "unban", member=member, detail=reason)
    session.flush()
