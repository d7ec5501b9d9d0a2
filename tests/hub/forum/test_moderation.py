"""Reports, the moderation queue, hide/restore, lock, move, ban, and posts held for review
after personal data was masked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.db import transaction
from hub.forum import moderation, queries, service
from hub.forum.masking import MASK
from hub.forum.models import (
    ForumMember,
    ForumModerationAction,
    ForumPost,
    ForumReport,
    ForumTopic,
    PostStatus,
)
from hub.forum.service import ForumRefused
from tests.hub.forum.conftest import CONFIG, answer, ask, csrf_of, make_member, sign_in


def test_personal_data_is_masked_and_the_post_held(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea = make_member(session, "Lea")
        karim = make_member(session, "Karim")
        topic = ask(session, lea, "Ma ligne est coupée")
        reply = service.reply(session, config=CONFIG, topic=topic, member=karim,
                              body="Appelez-moi au 06 12 34 56 78 ou karim@example.fr")
        topic_id, slug, reply_id = topic.id, topic.slug, reply.id
        assert reply.status == PostStatus.HELD and reply.masked
        assert "06 12" not in reply.body and "karim@example.fr" not in reply.body
        assert reply.body.count(MASK) == 2
        session.refresh(topic)
        assert topic.reply_count == 0
    public = client.get(f"/forum/t/{topic_id}-{slug}").get_data(as_text=True)
    assert f"post-{reply_id}" not in public
    sign_in(client, "karim@example.test")
    own = client.get(f"/forum/t/{topic_id}-{slug}").get_data(as_text=True)
    assert f"post-{reply_id}" in own  # the author sees it, marked as held


def test_a_question_with_personal_data_is_held_whole(forum, client) -> None:
    with transaction(forum.sessions) as session:
        topic = ask(session, make_member(session, "Lea"),
                    "Mon IBAN FR76 3000 6000 0112 3456 7890 189", "compte CL12345678")
        topic_id = topic.id
        assert topic.status == PostStatus.HELD and "FR76" not in topic.title
    assert "IBAN" not in client.get("/forum/c/mobile").get_data(as_text=True)
    assert client.get(f"/forum/t/{topic_id}").status_code == 404 or \
        client.get(f"/forum/t/{topic_id}", follow_redirects=True).status_code == 404


def test_report_then_hide_from_the_queue_then_restore(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        make_member(session, "Marie", role="super_user")
        topic = ask(session, lea, "Une question")
        post = answer(session, topic, karim, "Achetez mes pilules")
        post_id, topic_id = post.id, topic.id
    sign_in(client, "lea@example.test")
    assert client.get("/forum/moderation").status_code == 403
    client.post(f"/forum/p/{post_id}/report", data={
        "reason": "spam", "comment": "pub", "csrf_token": csrf_of(client)})
    client.post(f"/forum/p/{post_id}/report", data={  # a second report is the same report
        "reason": "spam", "csrf_token": csrf_of(client)})
    client.post("/forum/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, "marie@example.test")
    queue = client.get("/forum/moderation").get_data(as_text=True)
    assert "Achetez mes pilules" in queue
    client.post(f"/forum/moderation/p/{post_id}/hide", data={"csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        post = session.get(ForumPost, post_id)
        assert post.status == PostStatus.HIDDEN
        assert session.get(ForumTopic, topic_id).reply_count == 0
        reports = session.scalars(select(ForumReport)).all()
        assert [r.status for r in reports] == ["resolved"]
        action = session.scalars(select(ForumModerationAction)).one()
        assert action.action == "hide" and action.actor_member_id is not None
    client.post(f"/forum/moderation/p/{post_id}/publish", data={"csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        assert session.get(ForumPost, post_id).status == PostStatus.PUBLISHED
        assert session.get(ForumTopic, topic_id).reply_count == 1


def test_moderators_lock_move_and_ban(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        marie = make_member(session, "Marie", role="super_user")
        moderator = moderation.moderator_for(None, marie)
        assert moderator is not None and moderation.moderator_for(None, lea) is None
        topic = ask(session, lea, "Une question")
        moderation.lock(session, topic=topic, moderator=moderator, locked=True)
        with pytest.raises(ForumRefused):
            answer(session, topic, karim)
        tv = queries.category_by_slug(session, "tv")
        moderation.move(session, topic=topic, category=tv, moderator=moderator)
        assert topic.category_id == tv.id
        moderation.ban(session, member=karim, moderator=moderator, banned=True)
        session.refresh(karim)
        assert karim.banned_at is not None and karim.session_version == 2
        with pytest.raises(ForumRefused):
            service.give_kudos(session, post=answer(session, ask(session, lea, "Autre"), lea),
                               member=karim)
        with pytest.raises(ForumRefused):  # a super-user cannot ban a super-user
            moderation.ban(session, member=make_member(session, "Paul", role="super_user"),
                           moderator=moderator, banned=True)


def test_a_banned_member_is_signed_out(forum, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "Karim")
    sign_in(client, "karim@example.test")
    assert "Karim</a>" in client.get("/forum/").get_data(as_text=True)
    with transaction(forum.sessions) as session:
        karim = session.scalars(select(ForumMember)).one()
        moderation.ban(session, member=karim, moderator=moderation.Moderator(
            member=make_member(session, "Marie", role="super_user")), banned=True)
    assert "Karim</a>" not in client.get("/forum/").get_data(as_text=True)
    assert sign_in(client, "karim@example.test").status_code == 401
