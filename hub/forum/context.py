"""The request context of the forum pages: the database session, the signed-in member
(session key ``forum_member_id``) and the signed-in advisor (Flask-Login).

The only forum module that imports ``hub.web`` (an allowed exception in the layers
contract of pyproject.toml): the pages are an entry point living beside their services."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.forum import members
from hub.forum.config import ForumConfig
from hub.forum.mail import LogMailer, Mailer
from hub.forum.models import ForumMember
from hub.forum.moderation import Moderator, moderator_for
from hub.web import db as _db
from hub.web import services

__all__ = ["ForumExtension", "db", "services"]

MEMBER_KEY = "forum_member_id"
VERSION_KEY = "forum_member_v"


@dataclass
class ForumExtension:
    config: ForumConfig
    mailer: Mailer = field(default_factory=LogMailer)


def db() -> Session:
    return _db()


def extension() -> ForumExtension:
    return current_app.extensions["forum"]


def config() -> ForumConfig:
    return extension().config


def secret() -> str:
    return services().settings.SECRET_KEY


def language() -> str:
    return "en" if str(get_locale()) == "en" else "fr"


def current_member() -> ForumMember | None:
    if "forum_member" not in g:
        g.forum_member = members.member_for_session(db(), session.get(MEMBER_KEY),
                                                    session.get(VERSION_KEY))
    return g.forum_member


def current_advisor() -> User | None:
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if isinstance(user, User) and user.active:
        return user
    return None


def current_moderator() -> Moderator | None:
    return moderator_for(current_advisor(), current_member())


def log_in_member(member: ForumMember) -> None:
    """A new session on sign-in: nothing of the previous one survives."""
    session.clear()
    session[MEMBER_KEY] = member.id
    session[VERSION_KEY] = member.session_version
    g.pop("forum_member", None)


def log_out_member() -> None:
    """Ends every session of the member (the version in their cookies no longer matches)."""
    member = current_member()
    if member is not None:
        member.session_version = member.session_version + 1
        db().commit()
    session.pop(MEMBER_KEY, None)
    session.pop(VERSION_KEY, None)
    g.pop("forum_member", None)
