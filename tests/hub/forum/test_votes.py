"""Kudos (one per member per post), the accepted solution and brand-certified answers."""

from __future__ import annotations

import pytest

from hub.auth.models import Role
from hub.db import transaction
from hub.forum import queries, service
from hub.forum.models import ForumPost, ForumTopic
from hub.forum.service import ForumRefused
from tests.hub.forum.conftest import CONFIG, answer, ask, csrf_of, make_member, sign_in
from tests.personas import PASSWORD as ADVISOR_PASSWORD
from tests.personas import advisor


def test_kudos_once_per_member_and_never_to_oneself(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        post = answer(session, ask(session, lea, "Une question"), karim)
        service.give_kudos(session, post=post, member=lea)
        with pytest.raises(ForumRefused):
            service.give_kudos(session, post=post, member=lea)
        with pytest.raises(ForumRefused):
            service.give_kudos(session, post=post, member=karim)
        session.refresh(post)
        assert post.kudos_count == 1


def test_only_the_asker_or_a_moderator_accepts(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim, emma = (make_member(session, n) for n in ("Lea", "Karim", "Emma"))
        topic = ask(session, lea, "Une question")
        post = answer(session, topic, karim)
        post_id, topic_id = post.id, topic.id
    sign_in(client, "emma@example.test")
    client.post(f"/forum/p/{post_id}/accept", data={"csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        assert session.get(ForumTopic, topic_id).solution_post_id is None
    client.post("/forum/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, "lea@example.test")
    client.post(f"/forum/p/{post_id}/accept", data={"csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        assert session.get(ForumTopic, topic_id).solution_post_id == post_id


def _sign_in_advisor(client, email: str) -> None:
    client.get("/login")
    html = client.get("/forum/").get_data(as_text=True)
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/login", data={"email": email, "password": ADVISOR_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_an_advisor_certifies_and_the_certified_answer_comes_first(forum, client) -> None:
    with transaction(forum.sessions) as session:
        advisor(session, email="camille@example.test", name="Camille Martin", queue=False)
        lea, karim, emma = (make_member(session, n) for n in ("Lea", "Karim", "Emma"))
        topic = ask(session, lea, "Une question")
        answer(session, topic, karim, "Première réponse")
        second = answer(session, topic, emma, "Deuxième réponse")
        topic_id, slug, second_id = topic.id, topic.slug, second.id
    sign_in(client, "karim@example.test")  # a member cannot certify
    assert client.post(f"/forum/p/{second_id}/certify",
                       data={"csrf_token": csrf_of(client)}).status_code == 403
    _sign_in_advisor(client, "camille@example.test")
    client.post(f"/forum/p/{second_id}/certify", data={"csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        topic = session.get(ForumTopic, topic_id)
        _, answers = queries.posts(session, topic=topic, viewer_id=None, moderator=False)
        assert [p.body for p in answers.items] == ["Deuxième réponse", "Première réponse"]
    html = client.get(f"/forum/t/{topic_id}-{slug}").get_data(as_text=True)
    assert "Réponse certifiée" in html  # in the advisor's language
    client.post(f"/forum/t/{topic_id}/reply", data={
        "body": "Réponse officielle", "as_brand": "1", "csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        brand = session.query(ForumPost).filter_by(body="Réponse officielle").one()
        assert brand.advisor_id is not None and brand.author_id is None
    html = client.get(f"/forum/t/{topic_id}-{slug}").get_data(as_text=True)
    assert "Équipe Entraide" in html and "Camille</span>" in html
    brand_post = html.split('class="post brand')[1].split("</article>")[0]
    assert "Martin" not in brand_post  # only the first name of an advisor is public


def test_replies_are_refused_on_locked_topics(forum) -> None:
    with transaction(forum.sessions) as session:
        lea = make_member(session, "Lea")
        topic = ask(session, lea, "Une question")
        topic.locked = True
        with pytest.raises(ForumRefused):
            service.reply(session, config=CONFIG, topic=topic, member=lea, body="encore")


def test_role_is_not_taken_from_the_form(forum, client) -> None:
    """Mass assignment: posting extra fields changes nothing."""
    with transaction(forum.sessions) as session:
        advisor(session, email="sophie@example.test", role=Role.SUPERVISOR, queue=False)
        lea = make_member(session, "Lea")
        topic = ask(session, lea, "Une question")
        topic_id = topic.id
    sign_in(client, "lea@example.test")
    client.post(f"/forum/t/{topic_id}/reply", data={
        "body": "ma réponse", "as_brand": "1", "advisor_id": "1", "certified_by_id": "1",
        "status": "published", "csrf_token": csrf_of(client)})
    with transaction(forum.sessions) as session:
        post = session.query(ForumPost).filter_by(body="ma réponse").one()
        assert post.advisor_id is None and post.certified_by_id is None
        assert post.author_id is not None
