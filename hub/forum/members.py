"""Forum members: registration, email verification by a signed token, sign-in.

Members are not advisors: their own table, their own session key. A verified email is
linked to the hub's customer who has that email identity; the link is never shown."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.customers.identity import customer_for_contact
from hub.db import utcnow
from hub.domain.addresses import normalize_email, normalize_phone
from hub.forum.mail import Mail, Mailer
from hub.forum.masking import mask
from hub.forum.models import ForumMember
from hub.forum.service import N_, ForumRefused
from hub.forum.text import pseudonym_key

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))
_PSEUDONYM = re.compile(r"^[\w .\-]{3,30}$")
SALT = "forum-verify-email"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def register(session: Session, *, email: str, pseudonym: str, password: str,
             mailer: Mailer, secret: str, verify_url: str) -> ForumMember | None:
    """Create an unverified member and mail the verification link. An email already
    registered gets a notice instead, and the caller sees the same outcome (no account
    enumeration). ``verify_url`` contains "{token}"."""
    address = normalize_email(email)
    pseudonym = " ".join(pseudonym.split())
    if not address.verified:
        raise ForumRefused(N_("Enter a valid email address."))
    if not _PSEUDONYM.match(pseudonym) or mask(pseudonym).changed:
        raise ForumRefused(N_("A pseudonym has 3 to 30 letters, digits, spaces, dots or "
                              "dashes."))
    if len(password) < 10:
        raise ForumRefused(N_("The password needs at least 10 characters."))
    key = pseudonym_key(pseudonym)
    if session.scalar(select(ForumMember.id).where(ForumMember.pseudonym_key == key)):
        raise ForumRefused(N_("This pseudonym is taken."))
    if session.scalar(select(ForumMember.id).where(ForumMember.email == address.value)):
        mailer.send(Mail(address.value, "Entraide forum",
                         "Someone tried to register with your address; you already have an "
                         "account. / Vous avez déjà un compte sur le forum Entraide."))
        return None
    member = ForumMember(email=address.value, pseudonym=pseudonym, pseudonym_key=key,
                         password_hash=_hasher.hash(password))
    session.add(member)
    session.flush()
    send_verification(member, mailer=mailer, secret=secret, verify_url=verify_url)
    return member


def send_verification(member: ForumMember, *, mailer: Mailer, secret: str,
                      verify_url: str) -> None:
    token = _serializer(secret).dumps({"m": member.id, "e": member.email})
    link = verify_url.replace("{token}", token)
    mailer.send(Mail(member.email, "Entraide forum: confirm your email / confirmez votre "
                     "adresse", f"{link}\n"))


def verify_email(session: Session, *, token: str, secret: str, max_age: int) -> ForumMember:
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        raise ForumRefused(N_("This confirmation link is invalid or has expired.")) from None
    member = session.get(ForumMember, int(data.get("m", 0)))
    if member is None or member.email != data.get("e"):
        raise ForumRefused(N_("This confirmation link is invalid or has expired."))
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
        link_customer(session, member)
    session.flush()
    return member


def link_customer(session: Session, member: ForumMember) -> None:
    """Only a verified email or phone proves the member is the customer who has it."""
    customer_id = customer_for_contact(
        session, email=member.email if member.verified else "",
        phone=(member.phone or "") if member.phone_verified_at else "")
    if customer_id is not None:
        member.customer_id = customer_id


def record_verified_phone(session: Session, *, member: ForumMember, phone: str,
                          region: str) -> None:
    """The member proved this phone number (the step that proves it calls this): keep it
    in E.164 and link the member to the customer who has it. An unparseable number is
    refused."""
    address = normalize_phone(phone, region)
    if not address.verified:
        raise ForumRefused(N_("Enter a valid phone number."))
    member.phone = address.value
    member.phone_verified_at = utcnow()
    if member.customer_id is None:
        link_customer(session, member)
    session.flush()


def authenticate(session: Session, *, email: str, password: str) -> ForumMember | None:
    address = normalize_email(email).value
    member = session.scalar(select(ForumMember).where(ForumMember.email == address))
    try:
        _hasher.verify(member.password_hash if member else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or member.banned_at is not None:
        return None
    return member


def member_for_session(session: Session, member_id: object, version: object) -> ForumMember | None:
    if not isinstance(member_id, int) or not isinstance(version, int):
        return None
    member = session.get(ForumMember, member_id)
    if member is None or member.banned_at is not None or member.session_version != version:
        return None
    return member


def update_profile(session: Session, *, member: ForumMember, bio: str) -> None:
    member.bio = mask(bio.strip()[:500]).text
    session.flush()
