"""Similar solved questions while typing a title, and the clicks recorded for deflection."""

from __future__ import annotations

from sqlalchemy import select

from hub.db import transaction
from hub.forum import search, service
from hub.forum.models import ForumSuggestionClick
from tests.hub.forum.conftest import answer, ask, csrf_of, make_member, sign_in


def _solved(session, asker, helper, title: str):
    topic = ask(session, asker, title)
    service.accept_solution(session, post=answer(session, topic, helper), member=asker)
    return topic


def test_only_solved_published_topics_match_accents_and_case_aside(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        solved = _solved(session, lea, karim, "Résilier ma box Internet")
        _solved(session, lea, karim, "Changer de forfait mobile")
        ask(session, lea, "Résilier mon abonnement TV")  # not solved
        held = ask(session, lea, "Résilier, appelez le 06 12 34 56 78")  # held: never shown
        service.accept_solution(session, post=answer(session, solved, lea), member=lea)
        results = search.similar_topics(session, "resilier BOX")
        assert [r.topic_id for r in results] == [solved.id]
        assert held.id not in [r.topic_id for r in search.similar_topics(session, "résilier")]
        assert search.similar_topics(session, "le la de") == []
        assert search.similar_topics(session, "%_%") == []


def test_similar_endpoint_and_click(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        topic = _solved(session, lea, karim, "Wi-Fi <b>lent</b> le soir")
        topic_id = topic.id
    data = client.get("/forum/similar?q=wifi%20lent").get_json()
    assert data["results"] == [{"id": topic_id, "title": "Wi-Fi <b>lent</b> le soir",
                                "url": f"/forum/t/{topic_id}-wi-fi-b-lent-b-le-soir"}]
    sign_in(client, "karim@example.test")
    token = csrf_of(client)
    assert client.post("/forum/similar/click", json={"topic_id": topic_id, "q": "wifi"}
                       ).status_code == 400  # no CSRF token
    response = client.post("/forum/similar/click", json={"topic_id": topic_id, "q": "wifi lent"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 204
    with transaction(forum.sessions) as session:
        click = session.scalars(select(ForumSuggestionClick)).one()
        assert (click.topic_id, click.query) == (topic_id, "wifi lent")
