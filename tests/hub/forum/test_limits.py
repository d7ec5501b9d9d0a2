"""Rate limits on sign-in, registration and posting: 429 with the reason, counted in
Redis, and the forum stays open when Redis is unreachable."""

from __future__ import annotations

import dataclasses

from redis import Redis
from sqlalchemy import func, select

from hub.db import transaction
from hub.forum.limits import allow, limits
from hub.forum.models import ForumPost
from tests.hub.forum.conftest import CONFIG, PASSWORD, ask, csrf_of, make_member, sign_in


def _tighter(app, **changes) -> None:
    extension = app.extensions["forum"]
    extension.config = dataclasses.replace(extension.config, **changes)


def test_sign_in_attempts_are_limited_per_address(forum, client):
    with transaction(forum.sessions) as session:
        make_member(session, "Lea")
    for _ in range(CONFIG.FORUM_SIGN_IN_LIMIT):
        assert sign_in(client, "lea@example.test", "wrong password").status_code == 401
    blocked = sign_in(client, "lea@example.test")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    html = blocked.get_data(as_text=True)
    assert "Too many sign-in attempts" in html or "Trop de tentatives" in html


def test_registrations_are_limited(forum, app, client):
    _tighter(app, FORUM_REGISTER_LIMIT=2)
    statuses = []
    for n in range(3):
        token = csrf_of(client, "/forum/register")
        statuses.append(client.post("/forum/register", data={
            "email": f"new{n}@example.test", "pseudonym": f"Nouveau{n}",
            "password": PASSWORD, "csrf_token": token}).status_code)
    assert statuses == [200, 200, 429]


def test_posting_is_limited_per_member(forum, app, client):
    _tighter(app, FORUM_POST_LIMIT=2)
    with transaction(forum.sessions) as session:
        topic = ask(session, make_member(session, "Asker"), "Une question")
        make_member(session, "Bavard")
        path = f"/forum/t/{topic.id}/reply"
    sign_in(client, "bavard@example.test")
    token = csrf_of(client)
    statuses = [client.post(path, data={"body": f"Réponse {n}", "csrf_token": token}).status_code
                for n in range(3)]
    assert statuses == [302, 302, 429]
    with forum.sessions() as session:
        assert session.scalar(select(func.count(ForumPost.id)).where(
            ForumPost.is_question.is_(False))) == 2


def test_an_unreachable_redis_lets_people_in():
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    assert allow(unreachable, limits(CONFIG)["sign_in"], "ip:127.0.0.1") == 0
