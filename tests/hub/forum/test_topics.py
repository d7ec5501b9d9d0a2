"""Categories, topics, replies, quoting, edit history, tags, sorting, pagination,
canonical URLs, feeds, both languages, CSP and a fixed number of queries per page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.db import transaction, utcnow
from hub.forum import queries, service
from hub.forum.models import ForumPostRevision, ForumTopic
from hub.migrate import upgrade
from tests.hub.forum.conftest import CONFIG, answer, ask, csrf_of, make_member, sign_in
from tests.support.statements import statements_sent


def test_migration_seeds_categories_and_ranks_on_sqlite(tmp_path) -> None:
    from hub.db import make_engine

    url = f"sqlite:///{tmp_path / 'forum.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT slug, name_fr, name_en FROM forum_categories ORDER BY position").all()
        ranks = conn.exec_driver_sql("SELECT code FROM forum_ranks ORDER BY threshold").all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("mobile", "Mobile", "Mobile"),
                                        ("box-internet", "Box Internet", "Internet box"),
                                        ("tv", "TV", "TV"),
                                        ("facturation", "Facturation", "Billing")]
    assert [r[0] for r in ranks] == ["newcomer", "contributor", "expert", "super-user"]


@pytest.mark.parametrize(("language", "name", "label"),
                         [("fr", "Facturation", "Se connecter"), ("en", "Billing", "Sign in")])
def test_home_lists_categories_in_the_reader_language(forum, client, language, name,
                                                      label) -> None:
    html = client.get("/forum/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert name in html and label in html


def test_topic_reply_quote_and_edit_history(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea = make_member(session, "Lea")
        karim = make_member(session, "Karim")
        topic = ask(session, lea, "Pas de réseau à Lyon", "Depuis hier **plus rien**.")
        first = answer(session, topic, karim, "Redémarrez le téléphone.")
        topic_id, slug, first_id = topic.id, topic.slug, first.id
    assert slug == "pas-de-reseau-a-lyon"
    sign_in(client, "lea@example.test")
    quoted = client.get(f"/forum/p/{first_id}/quote").get_data(as_text=True)
    assert "&gt; Redémarrez le téléphone." in quoted
    token = csrf_of(client)
    response = client.post(f"/forum/t/{topic_id}/reply", data={
        "body": "> Redémarrez le téléphone.\n\nC'est fait, merci !", "quote_of": str(first_id),
        "csrf_token": token})
    assert response.status_code == 302
    html = client.get(f"/forum/t/{topic_id}-{slug}").get_data(as_text=True)
    assert "In reply to Karim" in html or "En réponse à Karim" in html
    assert "<blockquote>" in html and "<strong>plus rien</strong>" in html

    with transaction(forum.sessions) as session:
        question = queries.posts(session, topic=session.get(ForumTopic, topic_id),
                                 viewer_id=None, moderator=False)[0]
        assert question is not None
    response = client.post(f"/forum/p/{question.id}/edit", data={
        "title": "Plus de réseau à Lyon", "body": "Depuis hier soir.", "csrf_token": token})
    assert response.status_code == 302
    with transaction(forum.sessions) as session:
        revision = session.scalars(select(ForumPostRevision)).one()
        assert revision.body == "Depuis hier **plus rien**."
        assert revision.title == "Pas de réseau à Lyon"
        topic = session.get(ForumTopic, topic_id)
        assert topic.slug == "plus-de-reseau-a-lyon"
    history = client.get(f"/forum/p/{question.id}/history").get_data(as_text=True)
    assert "Depuis hier **plus rien**." in history and "Depuis hier soir." in history


def test_someone_else_cannot_edit(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea = make_member(session, "Lea")
        make_member(session, "Karim")
        topic = ask(session, lea, "Question de Léa")
        post_id = queries.posts(session, topic=topic, viewer_id=None, moderator=False)[0].id
    sign_in(client, "karim@example.test")
    response = client.post(f"/forum/p/{post_id}/edit", data={
        "body": "vandalisme", "csrf_token": csrf_of(client)})
    assert response.status_code == 403


def test_wrong_or_missing_slug_redirects_permanently_to_the_canonical_url(forum, client):
    with transaction(forum.sessions) as session:
        topic = ask(session, make_member(session, "Lea"), "Ma box clignote en rouge")
        topic_id = topic.id
    canonical = f"/forum/t/{topic_id}-ma-box-clignote-en-rouge"
    for path in (f"/forum/t/{topic_id}", f"/forum/t/{topic_id}-ancien-titre"):
        response = client.get(path)
        assert response.status_code == 301
        assert response.headers["Location"] == canonical
    assert client.get(f"/forum/t/{topic_id}-x?page=2").headers["Location"] == canonical + "?page=2"
    assert client.get(canonical).status_code == 200
    assert client.get("/forum/t/999-nope").status_code == 404
    assert client.get("/forum/c/nope").status_code == 404


def _titles(forum, sort: str, tag: str = "") -> list[str]:
    with transaction(forum.sessions) as session:
        category = queries.category_by_slug(session, "mobile")
        return [t.title for t in queries.topics(session, category=category, sort=sort,
                                                tag=tag).items]


def test_sorting_and_tags(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim, emma = (make_member(session, n) for n in ("Lea", "Karim", "Emma"))
        old = ask(session, lea, "Ancienne question", tags="sim")
        solved = ask(session, lea, "Question résolue", tags="sim, 5G")
        popular = ask(session, karim, "Question populaire")
        ask(session, karim, "Question sans réponse")
        now = utcnow()
        old.created_at = old.last_activity_at = now - timedelta(days=3)
        reply = answer(session, solved, karim)
        service.accept_solution(session, post=reply, member=lea)
        for who in (lea, emma):
            post = answer(session, popular, who)
            service.give_kudos(session, post=post, member=karim)
    assert _titles(forum, "recent")[0] in ("Question populaire", "Question résolue")
    assert _titles(forum, "recent")[-1] == "Ancienne question"
    assert set(_titles(forum, "unanswered")) == {"Ancienne question", "Question sans réponse"}
    assert _titles(forum, "solved") == ["Question résolue"]
    assert _titles(forum, "popular")[0] == "Question populaire"
    assert set(_titles(forum, "recent", tag="sim")) == {"Ancienne question", "Question résolue"}
    assert _titles(forum, "recent", tag="5g") == ["Question résolue"]


def test_category_and_topic_pagination(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        for n in range(25):
            last = ask(session, lea, f"Question numéro {n:02d}")
        for n in range(CONFIG.FORUM_POSTS_PER_PAGE + 3):
            answer(session, last, karim, f"Réponse numéro {n:02d}")
        topic_id, slug = last.id, last.slug
    first = client.get("/forum/c/mobile").get_data(as_text=True)
    second = client.get("/forum/c/mobile?page=2").get_data(as_text=True)
    assert "Question numéro 24" in first and "Question numéro 04" not in first
    assert "Question numéro 04" in second and 'rel="prev"' in second
    page2 = client.get(f"/forum/t/{topic_id}-{slug}?page=2").get_data(as_text=True)
    assert "Réponse numéro 52" in page2 and "Réponse numéro 00" not in page2
    assert f'href="http://localhost/forum/t/{topic_id}-{slug}?page=2"' in page2  # canonical


def test_feeds_are_escaped_xml(forum, client) -> None:
    with transaction(forum.sessions) as session:
        ask(session, make_member(session, "Lea"), "Facture <script>alert(1)</script> & co",
            "<img src=x onerror=alert(1)> **gras**", slug="facturation")
    atom = client.get("/forum/c/facturation/feed.atom")
    assert atom.mimetype == "application/atom+xml"
    root = ET.fromstring(atom.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = root.find("a:entry", ns)
    assert entry.find("a:title", ns).text == "Facture <script>alert(1)</script> & co"
    content = entry.find("a:content", ns).text
    assert "<strong>gras</strong>" in content and "<img" not in content
    assert b"<script>" not in atom.data
    rss = client.get("/forum/c/facturation/feed.rss")
    item = ET.fromstring(rss.data).find("channel/item")
    assert item.find("title").text == "Facture <script>alert(1)</script> & co"
    assert b"<script>" not in rss.data


def test_pages_keep_the_strict_csp_and_no_inline_code(forum, client) -> None:
    with transaction(forum.sessions) as session:
        topic = ask(session, make_member(session, "Lea"), "Une question")
        path = f"/forum/t/{topic.id}-{topic.slug}"
    sign_in(client, "lea@example.test")
    for url in ("/forum/", "/forum/c/mobile", path, "/forum/c/mobile/new", "/forum/leaderboard"):
        response = client.get(url)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html
        assert " onclick=" not in html


def _statements(app, client, path: str) -> int:
    with statements_sent(app.extensions["entraide"].engine) as sent:
        assert client.get(path).status_code == 200
    return len(sent)


def test_pages_run_a_fixed_number_of_queries(forum, app, client) -> None:
    with transaction(forum.sessions) as session:
        people = [make_member(session, f"Membre{n}") for n in range(12)]
        small = ask(session, people[0], "Petit sujet", tags="a, b")
        big = ask(session, people[0], "Grand sujet", tags="a, b, c")
        answer(session, small, people[1])
        for n, person in enumerate(people[1:] * 3):
            post = answer(session, big, person, f"Réponse {n}")
            if n % 3 == 0:
                service.give_kudos(session, post=post, member=people[0])
        for n in range(15):
            ask(session, people[n % 12], f"Sujet {n}", tags=f"t{n}", slug="tv")
        small_path = f"/forum/t/{small.id}-{small.slug}"
        big_path = f"/forum/t/{big.id}-{big.slug}"
    sign_in(client, "membre0@example.test")
    assert _statements(app, client, small_path) == _statements(app, client, big_path)
    assert _statements(app, client, "/forum/c/mobile") == _statements(app, client, "/forum/c/tv")
