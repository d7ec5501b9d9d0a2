"""The topic page's performance work: views counted in Redis and flushed by the scheduler's
job, and the rendered-post cache (hub/forum/fragments.py): invalidated by every write to a
post or its topic, and never carrying one viewer's controls, language or moderation-only
content to another."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from hub.db import transaction
from hub.forum import fragments, metrics, moderation, service, views
from hub.forum.models import (
    ForumMember,
    ForumPost,
    ForumReputationEvent,
    ForumTopic,
    PostStatus,
)
from tests.hub.forum.conftest import CONFIG, answer, ask, make_member, sign_in
from tests.support.statements import statements_sent


def _page(client, path: str, language: str = "fr") -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _member(session, pseudonym: str) -> ForumMember:
    return session.scalars(select(ForumMember).where(ForumMember.pseudonym == pseudonym)).one()


def _cached(svc) -> dict[str, str]:
    keys = list(svc.redis.scan_iter(f"{fragments.PREFIX}:*"))
    return {k.decode(): svc.redis.get(k).decode() for k in keys}


@pytest.fixture
def thread(forum):
    """Léa asks, Karim answers; returns (services, path, topic id, Karim's post id)."""
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        make_member(session, "Marie", role="super_user")
        make_member(session, "Paul")
        topic = ask(session, lea, "La box redémarre", "Depuis hier soir.")
        post = answer(session, topic, karim, "Changez le câble optique.")
        return forum, f"/forum/t/{topic.id}-{topic.slug}", topic.id, post.id


# --- views ---------------------------------------------------------------------------

def test_reading_a_topic_writes_nothing_and_the_views_wait_in_redis(thread, app, client):
    svc, path, topic_id, _ = thread
    with statements_sent(app.extensions["entraide"].engine) as sent:
        for _ in range(3):
            _page(client, path)
    writes = [s for s in sent
              if s.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    with svc.sessions() as session:
        topic = session.get(ForumTopic, topic_id)
        assert topic.view_count == 0
        assert views.pending(svc.redis, [topic_id]) == {topic_id: 3}
        assert views.shown_count(svc.redis, topic) == 3
        shown = metrics.community_metrics(session, pending_views=views.pending(svc.redis))
        assert shown["topic_views"] == 3  # db + pending


def test_the_flush_job_moves_the_views_and_loses_none_counted_meanwhile(thread, client):
    from workers.forum import flush_views

    svc, path, topic_id, _ = thread
    _page(client, path)
    _page(client, path)
    assert flush_views() == {"views": 2}
    assert views.pending(svc.redis) == {}
    # a flush that died before its commit left its batch aside; views go on meanwhile
    _page(client, path)
    svc.redis.rename(views.PENDING, views.FLUSHING)
    _page(client, path)
    _page(client, path)
    assert views.pending(svc.redis, [topic_id]) == {topic_id: 3}
    assert flush_views() == {"views": 1}  # the batch left aside first
    assert views.pending(svc.redis) == {topic_id: 2}
    assert flush_views() == {"views": 2}
    assert flush_views() == {"views": 0}
    with svc.sessions() as session:
        topic = session.get(ForumTopic, topic_id)
        assert topic.view_count == 5
        assert views.shown_count(svc.redis, topic) == 5


def test_the_scheduler_queues_the_flush(services, monkeypatch):
    from hub import runner

    queued: list[str] = []
    monkeypatch.setattr(runner, "build_services", lambda _s: services)
    monkeypatch.setattr(services.queue, "enqueue_call",
                        lambda func, **_kw: queued.append(func))
    runner.schedule(services.settings, once=True)
    assert "workers.forum.flush_views" in queued


# --- invalidation ----------------------------------------------------------------------

def _version(svc, topic_id: int) -> int:
    with svc.sessions() as session:
        return session.scalar(select(ForumTopic.version).where(ForumTopic.id == topic_id))


def test_every_write_to_a_post_or_its_topic_shows_at_once(thread, client):
    from tests.personas import advisor

    svc, path, topic_id, post_id = thread
    assert "Changez le câble optique." in _page(client, path)
    assert _cached(svc)  # the page is now served from the cache

    with transaction(svc.sessions) as session:  # a reply
        topic = session.get(ForumTopic, topic_id)
        service.reply(session, config=CONFIG, topic=topic, member=_member(session, "Paul"),
                      body="Moi aussi.")
    assert "Moi aussi." in _page(client, path)

    with transaction(svc.sessions) as session:  # an edit
        post = session.get(ForumPost, post_id)
        service.edit_post(session, config=CONFIG, post=post, member=post.author,
                          body="Redémarrez la box.")
    html = _page(client, path)
    assert "Redémarrez la box." in html and "Changez le câble" not in html

    with transaction(svc.sessions) as session:  # certified by the brand
        sophie = advisor(session, email="sophie@example.test", name="Sophie").user
        service.certify(session, post=session.get(ForumPost, post_id), advisor=sophie)
    assert "Certified answer" in _page(client, path, "en")

    with transaction(svc.sessions) as session:  # accepted by the asker
        post = session.get(ForumPost, post_id)
        service.accept_solution(session, post=post, member=post.topic.author)
    assert "Accepted solution" in _page(client, path, "en")

    before = _version(svc, topic_id)
    with transaction(svc.sessions) as session:  # hidden by a moderator
        moderation.hide(session, post=session.get(ForumPost, post_id),
                        moderator=moderation.Moderator(member=_member(session, "Marie")))
    assert _version(svc, topic_id) > before
    html = _page(client, path)
    assert "Redémarrez la box." not in html and f"post-{post_id}" not in html


def test_a_deleted_post_disappears(thread, client):
    svc, path, topic_id, post_id = thread
    assert "Changez le câble optique." in _page(client, path)
    with transaction(svc.sessions) as session:
        session.execute(delete(ForumReputationEvent).where(
            ForumReputationEvent.post_id == post_id))
        session.delete(session.get(ForumPost, post_id))
    assert "Changez le câble optique." not in _page(client, path)


def test_kudos_keep_the_cache_but_show_the_new_count(thread, client):
    svc, path, topic_id, post_id = thread
    _page(client, path)
    before = _version(svc, topic_id)
    with transaction(svc.sessions) as session:
        post = session.get(ForumPost, post_id)
        service.give_kudos(session, post=post, member=_member(session, "Paul"))
    assert _version(svc, topic_id) == before  # the count is in the footer, never cached
    assert "Kudos: 1" in _page(client, path, "en")


def test_a_rolled_back_write_bumps_nothing(thread):
    svc, _, topic_id, post_id = thread
    before = _version(svc, topic_id)
    with svc.sessions() as session:
        session.get(ForumPost, post_id).body_html = "<p>jamais</p>"
        session.flush()
        session.rollback()
    assert _version(svc, topic_id) == before


# --- nothing leaks between viewers -------------------------------------------------------

def test_moderator_and_author_controls_never_reach_another_viewer(thread, app):
    svc, path, topic_id, post_id = thread
    marie, karim, paul, anonymous = (app.test_client() for _ in range(4))
    sign_in(marie, "marie@example.test")  # a super-user: moderation controls
    sign_in(karim, "karim@example.test")  # the author of the reply: its edit link
    sign_in(paul, "paul@example.test")
    moderated = _page(marie, path, "en")
    assert f"/forum/moderation/p/{post_id}/hide" in moderated
    assert f"/forum/p/{post_id}/edit" in _page(karim, path, "en")
    for html in (_page(paul, path, "en"), _page(anonymous, path, "en")):
        assert "/forum/moderation/" not in html and ">Hide<" not in html
        assert f"/forum/p/{post_id}/edit" not in html
    assert "Kudos (0)" in _page(paul, path, "en")  # Paul's own kudos button
    assert "Kudos (0)" not in _page(anonymous, path, "en")
    for html in _cached(svc).values():  # the fragments hold nothing about a viewer
        assert "csrf_token" not in html and "/edit" not in html
        assert "/moderation/" not in html and "kudos" not in html.lower()


def test_held_and_hidden_posts_are_never_cached_nor_shown_to_others(thread, app):
    svc, path, topic_id, post_id = thread
    with transaction(svc.sessions) as session:
        topic = session.get(ForumTopic, topic_id)
        paul = make_member(session, "Pierre")
        held = service.reply(session, config=CONFIG, topic=topic, member=paul,
                             body="Mon numéro : 06 12 34 56 78")
        assert held.status == PostStatus.HELD
        held_id = held.id
        moderation.hide(session, post=session.get(ForumPost, post_id),
                        moderator=moderation.Moderator(member=_member(session, "Marie")))
    author, marie, anonymous = (app.test_client() for _ in range(3))
    sign_in(author, "pierre@example.test")
    sign_in(marie, "marie@example.test")
    assert f"post-{held_id}" in _page(author, path)  # the author sees their held post
    moderated = _page(marie, path, "en")
    assert f"post-{post_id}" in moderated and "Hidden by a moderator." in moderated
    public = _page(anonymous, path)
    assert f"post-{held_id}" not in public and f"post-{post_id}" not in public
    assert "Changez le câble" not in public
    cached_posts = {int(k.split(":")[-3]) for k in _cached(svc)}
    assert cached_posts and not cached_posts & {held_id, post_id}


def test_each_language_has_its_own_fragments(thread, app, client):
    from tests.personas import advisor

    svc, path, _, post_id = thread
    with transaction(svc.sessions) as session:
        sophie = advisor(session, email="sophie@example.test", name="Sophie").user
        service.certify(session, post=session.get(ForumPost, post_id), advisor=sophie)
    english = _page(client, path, "en")
    assert "Certified answer" in english and "Newcomer" in english
    french = _page(client, path, "fr")
    assert "Réponse certifiée" in french and "Nouveau venu" in french
    assert "Certified answer" not in french and "Newcomer" not in french
    assert "Réponse certifiée" not in _page(client, path, "en")
