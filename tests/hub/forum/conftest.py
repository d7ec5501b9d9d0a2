"""Forum fixtures: the reference data, members, and a client signed in as a member."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from hub.db import transaction, utcnow
from hub.forum import members, service
from hub.forum.config import ForumConfig
from hub.forum.defaults import ensure_defaults
from hub.forum.models import ForumCategory, ForumMember, ForumPost, ForumTopic
from hub.forum.queries import category_by_slug

CONFIG = ForumConfig()
PASSWORD = "correct horse battery staple"


@pytest.fixture
def forum(services):
    """The categories and ranks (the test database is emptied before each test)."""
    with transaction(services.sessions) as session:
        ensure_defaults(session)
    return services


def make_member(session: Session, pseudonym: str, *, email: str | None = None,
                verified: bool = True, role: str = "member") -> ForumMember:
    member = ForumMember(email=email or f"{pseudonym.lower()}@example.test", pseudonym=pseudonym,
                         pseudonym_key=pseudonym.lower(),
                         password_hash=members._hasher.hash(PASSWORD), role=role,
                         email_verified_at=utcnow() if verified else None)
    session.add(member)
    session.flush()
    return member


def category(session: Session, slug: str = "mobile") -> ForumCategory:
    found = category_by_slug(session, slug)
    assert found is not None
    return found


def ask(session: Session, author: ForumMember, title: str, body: str = "Ma question.",
        slug: str = "mobile", tags: str = "") -> ForumTopic:
    return service.create_topic(session, config=CONFIG, category=category(session, slug),
                                author=author, title=title, body=body, tags=tags)


def answer(session: Session, topic: ForumTopic, author: ForumMember, body: str = "Essayez ceci.",
           now: datetime | None = None) -> ForumPost:
    return service.reply(session, config=CONFIG, topic=topic, member=author, body=body, now=now)


def sign_in(client, email: str, password: str = PASSWORD):
    client.get("/forum/login")
    token = csrf_of(client)
    return client.post("/forum/login", data={"email": email, "password": password,
                                             "csrf_token": token})


def csrf_of(client, path: str = "/forum/") -> str:
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


@pytest.fixture
def forum_queue(forum):
    """The forum's reference data plus the "forum" queue and its rule."""
    from hub.forum.defaults import ensure_forum_queue

    with transaction(forum.sessions) as session:
        ensure_forum_queue(session)
    return forum


def linked_member(session: Session, pseudonym: str, *, vip: bool = False) -> ForumMember:
    """A member linked to a hub customer (by their verified email)."""
    from hub.customers.models import Customer, Identity

    email = f"{pseudonym.lower()}@example.test"
    customer = Customer(display_name=f"{pseudonym} Client", vip=vip)
    session.add(customer)
    session.add(Identity(customer=customer, kind="email", address=email))
    session.flush()
    member = make_member(session, pseudonym, email=email)
    member.customer_id = customer.id
    session.flush()
    return member
