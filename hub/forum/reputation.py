"""Points, ranks and badges. Every change of points is a ledger row
(``ForumReputationEvent``) and an atomic increment of ``ForumMember.reputation``;
``points_from_facts`` recomputes a member's points from the posts, kudos and accepted
solutions themselves, and must always agree with the increments."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.forum.models import (
    ForumBadgeAward,
    ForumKudo,
    ForumMember,
    ForumPost,
    ForumRank,
    ForumReputationEvent,
    ForumTopic,
)

POINTS = {"reply": 2, "kudos": 5, "accepted": 15}
SUPER_USER_RANK = "super-user"
# code: (French name, English name)
BADGES = {
    "first-solution": ("Première solution", "First solution"),
    "ten-solutions": ("10 solutions", "10 solutions"),
    "night-owl": ("Oiseau de nuit", "Night owl"),
}


def badge_name(code: str, language: str) -> str:
    names = BADGES.get(code, (code, code))
    return names[1] if language == "en" else names[0]


def add_points(session: Session, *, member_id: int, reason: str, post_id: int | None,
               sign: int = 1) -> None:
    points = sign * POINTS[reason]
    session.add(ForumReputationEvent(member_id=member_id, reason=reason, points=points,
                                     post_id=post_id))
    values: dict[str, object] = {"reputation": ForumMember.reputation + points}
    if reason == "accepted":
        values["accepted_count"] = ForumMember.accepted_count + sign
    session.execute(update(ForumMember).where(ForumMember.id == member_id).values(**values))
    session.flush()
    member = session.get(ForumMember, member_id)
    assert member is not None
    session.refresh(member, ["reputation", "accepted_count", "role"])
    _after_change(session, member)


def _after_change(session: Session, member: ForumMember) -> None:
    if member.accepted_count >= 1:
        award_badge(session, member_id=member.id, badge="first-solution")
    if member.accepted_count >= 10:
        award_badge(session, member_id=member.id, badge="ten-solutions")
    threshold = session.scalar(select(ForumRank.threshold).where(
        ForumRank.code == SUPER_USER_RANK))
    if threshold is not None and member.reputation >= threshold and member.role == "member":
        member.role = "super_user"  # never demoted automatically


def award_badge(session: Session, *, member_id: int, badge: str) -> bool:
    exists = session.scalar(select(ForumBadgeAward.id).where(
        ForumBadgeAward.member_id == member_id, ForumBadgeAward.badge == badge))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ForumBadgeAward(member_id=member_id, badge=badge))
    except IntegrityError:
        return False  # awarded concurrently
    return True


def outside_office_hours(moment: datetime, *, timezone: str, opens: int, closes: int) -> bool:
    local = moment.astimezone(ZoneInfo(timezone))
    return local.weekday() >= 5 or not opens <= local.hour < closes


def points_from_facts(session: Session, member_id: int) -> int:
    replies = session.scalar(select(func.count(ForumPost.id)).where(
        ForumPost.author_id == member_id, ForumPost.is_question.is_(False))) or 0
    kudos = session.scalar(select(func.count(ForumKudo.id)).join(
        ForumPost, ForumPost.id == ForumKudo.post_id).where(
        ForumPost.author_id == member_id)) or 0
    accepted = session.scalar(select(func.count(ForumTopic.id)).join(
        ForumPost, ForumPost.id == ForumTopic.solution_post_id).where(
        ForumPost.author_id == member_id,
        ForumTopic.author_id.is_distinct_from(member_id))) or 0
    return (replies * POINTS["reply"] + kudos * POINTS["kudos"]
            + accepted * POINTS["accepted"])


def ledger_total(session: Session, member_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(ForumReputationEvent.points), 0))
                          .where(ForumReputationEvent.member_id == member_id)) or 0


def rank_of(ranks: list[ForumRank], points: int) -> ForumRank | None:
    """``ranks`` sorted by threshold (queries.ranks)."""
    held = None
    for rank in ranks:
        if points >= rank.threshold:
            held = rank
    return held
