"""Writes about topics and posts: ask, reply, quote, edit (history kept), kudos, accept,
certify. Personal data is masked before anything is stored; a member's masked post is
held for review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.domain.errors import NotAllowed
from hub.forum import announcements, on_timeline, reputation, watch
from hub.forum.config import ForumConfig
from hub.forum.markdown import render
from hub.forum.masking import mask
from hub.forum.models import (
    ForumCategory,
    ForumKudo,
    ForumMember,
    ForumPost,
    ForumPostRevision,
    ForumSuggestionClick,
    ForumTag,
    ForumTopic,
    PostStatus,
)
from hub.forum.text import fold, parse_tags, slugify

MAX_BODY = 20_000


def N_(message: str) -> str:  # noqa: N802 - the gettext marker babel extracts
    return message


class ForumRefused(NotAllowed):
    """``reason`` is an English msgid the pages translate."""


def check_can_post(member: ForumMember) -> None:
    if member.banned_at is not None:
        raise ForumRefused(N_("Your account is suspended."))
    if not member.verified:
        raise ForumRefused(N_("Confirm your email address before posting."))


def _clean(title: str | None, body: str) -> tuple[str | None, str]:
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        raise ForumRefused(N_("Write a message of at most 20,000 characters."))
    if title is not None:
        title = " ".join(title.split())
        if not 5 <= len(title) <= 200:
            raise ForumRefused(N_("The title needs 5 to 200 characters."))
    return title, body


def create_topic(session: Session, *, config: ForumConfig, category: ForumCategory,
                 author: ForumMember, title: str, body: str, tags: str = "",
                 now: datetime | None = None) -> ForumTopic:
    check_can_post(author)
    clean_title, clean_body = _clean(title, body)
    assert clean_title is not None
    now = now or utcnow()
    masked_title = mask(clean_title, config.FORUM_ACCOUNT_NUMBER_PATTERN)
    masked_body = mask(clean_body, config.FORUM_ACCOUNT_NUMBER_PATTERN)
    held = masked_title.changed or masked_body.changed
    status = PostStatus.HELD if held else PostStatus.PUBLISHED
    topic = ForumTopic(category_id=category.id, author_id=author.id, title=masked_title.text,
                       slug=slugify(masked_title.text), search_text=fold(masked_title.text)[:200],
                       status=status, created_at=now, last_activity_at=now)
    topic.tags = tags_named(session, parse_tags(tags))
    post = ForumPost(topic=topic, author_id=author.id, is_question=True, body=masked_body.text,
                     body_html=render(masked_body.text), status=status, masked=held,
                     created_at=now)
    session.add_all([topic, post])
    session.flush()
    watch.start_watch(session, config=config, topic=topic, author=author, now=now)
    on_timeline.record_post(session, post=post)
    announcements.link_new_question(session, topic=topic,
                                    text=f"{masked_title.text}\n{masked_body.text}")
    return topic


def tags_named(session: Session, names: list[str]) -> list[ForumTag]:
    if not names:
        return []
    existing = {t.name: t for t in session.scalars(select(ForumTag).where(
        ForumTag.name.in_(names)))}
    for name in names:
        if name not in existing:
            try:
                with session.begin_nested():
                    tag = ForumTag(name=name)
                    session.add(tag)
                existing[name] = tag
            except IntegrityError:  # created concurrently
                existing[name] = session.scalars(select(ForumTag).where(
                    ForumTag.name == name)).one()
    return [existing[name] for name in names]


def reply(session: Session, *, config: ForumConfig, topic: ForumTopic, body: str,
          member: ForumMember | None = None, advisor: User | None = None,
          quote_of_id: int | None = None, now: datetime | None = None) -> ForumPost:
    """A member's reply, or a brand post when ``advisor`` is given."""
    if (member is None) == (advisor is None):
        raise ValueError("a reply has one author: a member or an advisor")
    if member is not None:
        check_can_post(member)
    if topic.locked or topic.status != PostStatus.PUBLISHED:
        raise ForumRefused(N_("This topic is closed to replies."))
    _, clean_body = _clean(None, body)
    quote = _quotable(session, topic, quote_of_id)
    now = now or utcnow()
    masked = mask(clean_body, config.FORUM_ACCOUNT_NUMBER_PATTERN)
    held = masked.changed and member is not None  # advisors' posts are masked, not held
    post = ForumPost(topic_id=topic.id, author_id=member.id if member else None,
                     advisor_id=advisor.id if advisor else None, body=masked.text,
                     body_html=render(masked.text), quote_of_id=quote,
                     status=PostStatus.HELD if held else PostStatus.PUBLISHED,
                     masked=masked.changed, created_at=now)
    session.add(post)
    session.flush()
    if not held:
        topic.reply_count = ForumTopic.reply_count + 1
        topic.last_activity_at = now
    if member is not None:
        reputation.add_points(session, member_id=member.id, reason="reply", post_id=post.id)
        if reputation.outside_office_hours(now, timezone=config.FORUM_TIMEZONE,
                                           opens=config.FORUM_OFFICE_OPENS,
                                           closes=config.FORUM_OFFICE_CLOSES):
            reputation.award_badge(session, member_id=member.id, badge="night-owl")
        published(session, post=post, now=now)
    session.flush()
    return post


def published(session: Session, *, post: ForumPost, now: datetime | None = None) -> None:
    """A member's post is public (at once, or when a moderator publishes it): it goes on
    the author's timeline and, from the community, cancels the unanswered-delay watch."""
    if post.status != PostStatus.PUBLISHED:
        return
    on_timeline.record_post(session, post=post)
    watch.cancel_if_answered(session, post=post, now=now or utcnow())


def _quotable(session: Session, topic: ForumTopic, quote_of_id: int | None) -> int | None:
    if quote_of_id is None:
        return None
    quoted = session.get(ForumPost, quote_of_id)
    if quoted is None or quoted.topic_id != topic.id or quoted.status != PostStatus.PUBLISHED:
        return None
    return quoted.id


def edit_post(session: Session, *, config: ForumConfig, post: ForumPost, body: str,
              title: str | None = None, member: ForumMember | None = None,
              moderator: bool = False, now: datetime | None = None) -> ForumPost:
    """The previous body (and title) is kept as a revision."""
    is_author = member is not None and post.author_id == member.id
    if not (is_author or moderator):
        raise ForumRefused(N_("You cannot edit this message."))
    if is_author and not moderator:
        assert member is not None
        check_can_post(member)
        if post.topic.locked:
            raise ForumRefused(N_("This topic is closed to replies."))
    new_title, clean_body = _clean(title if post.is_question else None, body)
    session.add(ForumPostRevision(post_id=post.id, body=post.body,
                                  title=post.topic.title if post.is_question else "",
                                  edited_by_member_id=member.id if member else None))
    masked = mask(clean_body, config.FORUM_ACCOUNT_NUMBER_PATTERN)
    changed = masked.changed
    if new_title is not None:
        masked_title = mask(new_title, config.FORUM_ACCOUNT_NUMBER_PATTERN)
        changed = changed or masked_title.changed
        post.topic.title = masked_title.text
        post.topic.slug = slugify(masked_title.text)
        post.topic.search_text = fold(masked_title.text)[:200]
    post.body = masked.text
    post.body_html = render(masked.text)
    post.edited_at = now or utcnow()
    if changed:
        post.masked = True
        if post.author_id is not None and not moderator:
            _hold(post)
    session.flush()
    return post


def _hold(post: ForumPost) -> None:
    if post.status == PostStatus.PUBLISHED and not post.is_question:
        post.topic.reply_count = ForumTopic.reply_count - 1
    post.status = PostStatus.HELD
    if post.is_question:
        post.topic.status = PostStatus.HELD


def give_kudos(session: Session, *, post: ForumPost, member: ForumMember) -> None:
    """One per member per post; never to oneself."""
    check_can_post(member)
    if post.author_id == member.id or post.status != PostStatus.PUBLISHED:
        raise ForumRefused(N_("You cannot give kudos to this message."))
    try:
        with session.begin_nested():
            session.add(ForumKudo(post_id=post.id, member_id=member.id))
    except IntegrityError:
        raise ForumRefused(N_("You already gave kudos to this message.")) from None
    post.kudos_count = ForumPost.kudos_count + 1
    post.topic.kudos_count = ForumTopic.kudos_count + 1
    if post.author_id is not None:
        reputation.add_points(session, member_id=post.author_id, reason="kudos",
                              post_id=post.id)
    session.flush()


def accept_solution(session: Session, *, post: ForumPost, member: ForumMember | None = None,
                    moderator: bool = False) -> None:
    """The asker (or a moderator) marks a reply as the solution; points go to its author
    unless the asker answered themselves."""
    topic = post.topic
    is_asker = member is not None and topic.author_id == member.id
    if not (is_asker or moderator):
        raise ForumRefused(N_("Only the person who asked can accept a solution."))
    if post.is_question or post.status != PostStatus.PUBLISHED:
        raise ForumRefused(N_("This message cannot be the solution."))
    if topic.solution_post_id == post.id:
        return
    previous = session.get(ForumPost, topic.solution_post_id) if topic.solution_post_id else None
    if previous is not None and _earns_acceptance(previous, topic):
        assert previous.author_id is not None
        reputation.add_points(session, member_id=previous.author_id, reason="accepted",
                              post_id=previous.id, sign=-1)
    topic.solution_post_id = post.id
    session.flush()
    if _earns_acceptance(post, topic):
        assert post.author_id is not None
        reputation.add_points(session, member_id=post.author_id, reason="accepted",
                              post_id=post.id)
    session.flush()


def _earns_acceptance(post: ForumPost, topic: ForumTopic) -> bool:
    return post.author_id is not None and post.author_id != topic.author_id


def certify(session: Session, *, post: ForumPost, advisor: User, certified: bool = True) -> None:
    """The brand vouches for a reply: shown first, with a distinct badge."""
    if post.is_question or post.status != PostStatus.PUBLISHED:
        raise ForumRefused(N_("This message cannot be certified."))
    post.certified_by_id = advisor.id if certified else None
    post.certified_at = utcnow() if certified else None
    session.flush()


def record_suggestion_click(session: Session, *, topic_id: int, query: str,
                            member_id: int | None) -> bool:
    topic = session.get(ForumTopic, topic_id)
    if topic is None or topic.status != PostStatus.PUBLISHED:
        return False
    session.add(ForumSuggestionClick(topic_id=topic_id, query=query[:200], member_id=member_id))
    session.flush()
    return True
