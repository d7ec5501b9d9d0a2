"""Accounts for advisors: creation, password checks, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from hub.auth.models import ApiToken, Role, User
from hub.db import utcnow
from hub.domain.errors import NotAllowed

_hasher = PasswordHasher()
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


def create_user(
    session: Session, *, email: str, name: str, password: str, role: Role = Role.ADVISOR,
    language: str = "fr",
) -> User:
    normalized = email.strip().lower()
    if session.scalar(select(User).where(func.lower(User.email) == normalized)):
        raise NotAllowed(f"a user with email {normalized} already exists")
    if len(password) < 8:
        raise NotAllowed("the password must have at least 8 characters")
    user = User(email=normalized, name=name or normalized, role=role,
                password_hash=_hasher.hash(password), language=language)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def create_token(session: Session, *, user: User, label: str = "") -> str:
    """Return a new API token; only its SHA-256 is stored."""
    token = "ent_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(_token_query(), {"digest": _digest(token)})
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now  # at most once a minute: a read must not cost a commit
    return row.user


@cache
def _token_query() -> Select[tuple[ApiToken]]:
    """The token and its user in one round trip; built once (every API request and socket
    connect runs it, and building a statement with its options costs more than running it)."""
    return (select(ApiToken)
            .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False))
            .options(joinedload(ApiToken.user)))


def user_for_session_id(session: Session, session_id: str) -> User | None:
    """Flask-Login's id is "<user id>:<session version>": a bumped version logs out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
