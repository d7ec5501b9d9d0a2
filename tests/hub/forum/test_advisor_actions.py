"""Advisor actions on forum questions, through the REST API and the pages: answer as the
brand, certify, escalate to a private case; the forum work item is settled each time,
and nothing of a private case ever reaches a public page or feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.db import transaction, utcnow
from hub.events import RealtimeEvent, user_room
from hub.forum.desk import raise_due
from hub.forum.desk_models import ForumEscalation, ForumPrivateMessage, ForumWatch
from hub.forum.models import ForumPost, ForumTopic
from hub.forum.private_case import PRIVATE_ACCOUNT
from hub.routing.answers import accept_offer
from hub.routing.models import Offer, Queue, WorkItem, WorkState
from hub.timeline.models import Conversation, Interaction
from tests.hub.forum.conftest import answer, ask, csrf_of, linked_member, make_member, sign_in
from tests.hub.routing.builders import agent, bearer

SECRET = "Votre facture FAC-778899 de 42,17 EUR"
REPLY_SECRET = "Mon adresse est 12 rue des Lilas"


def _raised_item(svc, topic_id: int, advisor) -> int:
    """Raise the question (past its delay) and let the advisor accept the offer."""
    with transaction(svc.sessions) as session:
        raise_due(session, ctx=svc.routing, now=utcnow() + timedelta(days=1))
        watch = session.scalars(select(ForumWatch).where(ForumWatch.topic_id == topic_id)).one()
        offer = session.scalars(select(Offer).where(
            Offer.work_item_id == watch.work_item_id)).one()
        accept_offer(session, ctx=svc.routing, offer_id=offer.id, user=advisor.user)
        return watch.work_item_id


@pytest.fixture
def story(forum_queue):
    """Nadia (linked to a customer) asks; Camille is an advisor of the forum queue."""
    svc = forum_queue
    with transaction(svc.sessions) as session:
        forum = session.scalars(select(Queue).where(Queue.name == "forum")).one()
        camille = agent(session, svc, "Camille", queues=[forum])
        nadia = linked_member(session, "Nadia")
        topic = ask(session, nadia, "Ma facture a doublé", body="Pourquoi ce montant ?")
        ids = {"topic": topic.id, "customer": nadia.customer_id, "member": nadia.id}
    return svc, camille, ids


def test_brand_answer_through_the_api_closes_the_work_item(story, client):
    svc, camille, ids = story
    item_id = _raised_item(svc, ids["topic"], camille)
    response = client.post(f"/api/v1/forum/topics/{ids['topic']}/answer",
                           json={"body": "Le prorata du premier mois."}, headers=bearer(camille))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["advisor_id"] == camille.user.id
    with svc.sessions() as session:
        item = session.get(WorkItem, item_id)
        assert (item.state, item.wrap_up_code) == (WorkState.CLOSED, "forum-answered")
        timeline = list(session.scalars(select(Interaction.direction).where(
            Interaction.customer_id == ids["customer"]).order_by(Interaction.id)))
        assert timeline == ["inbound", "outbound"]  # the question, then the brand's answer
    page = client.get(f"/forum/t/{ids['topic']}").headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "Le prorata du premier mois." in html and "Entraide" in html


def test_a_brand_answer_before_the_delay_means_no_work_item(story, client):
    svc, camille, ids = story
    assert client.post(f"/api/v1/forum/topics/{ids['topic']}/answer", json={"body": "Voici."},
                       headers=bearer(camille)).status_code == 201
    with transaction(svc.sessions) as session:
        assert raise_due(session, ctx=svc.routing,
                         now=utcnow() + timedelta(days=1))["raised"] == 0
        assert session.scalar(select(WorkItem.id)) is None


def test_certifying_a_community_answer_through_the_api(story, client):
    svc, camille, ids = story
    item_id = _raised_item(svc, ids["topic"], camille)
    with transaction(svc.sessions) as session:
        post_id = answer(session, session.get(ForumTopic, ids["topic"]),
                         make_member(session, "Helper"), "Le prorata.").id
        question_id = session.scalars(select(ForumPost.id).where(
            ForumPost.topic_id == ids["topic"], ForumPost.is_question.is_(True))).one()
    response = client.post(f"/api/v1/forum/posts/{post_id}/certify", json={},
                           headers=bearer(camille))
    assert response.status_code == 200 and response.get_json()["certified"] is True
    refused = client.post(f"/api/v1/forum/posts/{question_id}/certify", json={},
                          headers=bearer(camille))
    assert refused.status_code == 409
    with svc.sessions() as session:
        assert session.get(WorkItem, item_id).wrap_up_code == "forum-certified"


def test_api_errors(story, client):
    svc, camille, ids = story
    url = f"/api/v1/forum/topics/{ids['topic']}/answer"
    assert client.post(url, json={"body": "x"}).status_code == 400  # no CSRF token, no bearer
    assert client.post(url, json={"body": "x"},
                       headers={"Authorization": "Bearer nope"}).status_code == 401
    bad = client.post(url, json={}, headers=bearer(camille))
    assert bad.status_code == 422 and "body" in bad.get_json()["errors"]["json"]
    assert client.post("/api/v1/forum/topics/999999/answer", json={"body": "x"},
                       headers=bearer(camille)).status_code == 404
    bad = client.post(f"/api/v1/forum/topics/{ids['topic']}/escalate",
                      json={"message": "x", "language": "de"}, headers=bearer(camille))
    assert bad.status_code == 422 and "language" in bad.get_json()["errors"]["json"]
    assert client.post("/api/v1/forum/cases/999/messages", json={"body": "x"},
                       headers=bearer(camille)).status_code == 404


def _escalate(client, camille, ids) -> dict:
    response = client.post(f"/api/v1/forum/topics/{ids['topic']}/escalate",
                           json={"message": SECRET, "language": "fr"}, headers=bearer(camille))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_escalation_opens_a_private_case_with_the_linked_customer(story, app, client):
    svc, camille, ids = story
    item_id = _raised_item(svc, ids["topic"], camille)
    case = _escalate(client, camille, ids)
    with svc.sessions() as session:
        conversation = session.get(Conversation, case["conversation_id"])
        assert (conversation.channel, conversation.account) == ("forum_private", PRIVATE_ACCOUNT)
        assert conversation.customer_id == ids["customer"]
        item = session.get(WorkItem, item_id)  # the advisor's item follows the private case
        assert (item.state, item.conversation_id) == (WorkState.ASSIGNED, conversation.id)
        note = session.scalars(select(ForumPost).where(
            ForumPost.topic_id == ids["topic"], ForumPost.advisor_id.is_not(None))).one()
        assert "en privé" in note.body
    mail = app.extensions["forum"].mailer.sent[-1]
    assert mail.to == "nadia@example.test" and "/forum/messages" in mail.body
    assert SECRET not in mail.body


def test_the_members_answer_comes_back_live_and_advisor_replies_reach_them(story, app,
                                                                          client):
    svc, camille, ids = story
    _raised_item(svc, ids["topic"], camille)
    case = _escalate(client, camille, ids)
    member_client = app.test_client()
    sign_in(member_client, "nadia@example.test")
    inbox = member_client.get("/forum/messages").get_data(as_text=True)
    assert SECRET in inbox
    token = csrf_of(member_client, "/forum/messages")
    sent = member_client.post(f"/forum/messages/{case['id']}/reply",
                              data={"body": REPLY_SECRET, "csrf_token": token})
    assert sent.status_code == 302
    with svc.sessions() as session:
        inbound = session.scalars(select(Interaction).where(
            Interaction.conversation_id == case["conversation_id"],
            Interaction.direction == "inbound")).one()
        assert inbound.body == REPLY_SECRET
        pushed = session.scalars(select(RealtimeEvent).where(
            RealtimeEvent.room == user_room(camille.user.id),
            RealtimeEvent.name == "message.created").order_by(RealtimeEvent.id)).all()
        assert pushed[-1].payload["body"] == REPLY_SECRET
    again = client.post(f"/api/v1/forum/cases/{case['id']}/messages",
                        json={"body": "Merci, c'est corrigé."}, headers=bearer(camille))
    assert again.status_code == 201
    assert "Merci, c&#39;est corrigé." in member_client.get("/forum/messages").get_data(
        as_text=True)
    assert len([m for m in app.extensions["forum"].mailer.sent
                if m.to == "nadia@example.test"]) == 2


def test_nothing_private_is_ever_published(story, app, client):
    svc, camille, ids = story
    case = _escalate(client, camille, ids)
    member_client = app.test_client()
    sign_in(member_client, "nadia@example.test")
    token = csrf_of(member_client, "/forum/messages")
    member_client.post(f"/forum/messages/{case['id']}/reply",
                       data={"body": REPLY_SECRET, "csrf_token": token})
    with svc.sessions() as session:
        topic = session.get(ForumTopic, ids["topic"])
        pages = [f"/forum/t/{topic.id}-{topic.slug}", "/forum/", "/forum/c/facturation",
                 "/forum/c/mobile", "/forum/c/mobile/feed.atom", "/forum/c/mobile/feed.rss",
                 f"/forum/u/{ids['member']}-nadia", "/forum/similar?q=facture",
                 "/forum/leaderboard"]
    public = app.test_client()
    for path in pages:
        response = public.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        for secret in (SECRET, REPLY_SECRET, "FAC-778899", "Lilas"):
            assert secret not in text, (path, secret)
    topic_page = public.get(pages[0]).get_data(as_text=True)
    assert "en privé" in topic_page
    assert public.get("/forum/messages").status_code == 302  # sign in first
    other = app.test_client()
    with transaction(svc.sessions) as session:
        make_member(session, "Curieux")
    sign_in(other, "curieux@example.test")
    assert SECRET not in other.get("/forum/messages").get_data(as_text=True)
    token = csrf_of(other, "/forum/messages")
    assert other.post(f"/forum/messages/{case['id']}/reply",
                      data={"body": "intrus", "csrf_token": token}).status_code == 404


def test_escalating_an_unlinked_members_question_from_the_topic_page(forum_queue, app):
    from tests.personas import PASSWORD, advisor

    svc = forum_queue
    with transaction(svc.sessions) as session:
        advisor(session, email="sophie@example.test", name="Sophie")
        topic = ask(session, make_member(session, "Solo"), "Colis jamais reçu")
        path = f"/forum/t/{topic.id}-{topic.slug}"
    staff = app.test_client()
    staff.get("/login")
    login = staff.post("/login", data={"email": "sophie@example.test", "password": PASSWORD,
                                       "csrf_token": csrf_of(staff)})
    assert login.status_code == 302
    page = staff.get(path).get_data(as_text=True)
    assert "Move to a private case" in page or "Passer en cas privé" in page
    sent = staff.post(f"/forum/t/{topic.id}/escalate",
                      data={"message": SECRET, "csrf_token": csrf_of(staff, path)})
    assert sent.status_code == 302
    with svc.sessions() as session:
        escalation = session.scalars(select(ForumEscalation)).one()
        conversation = session.get(Conversation, escalation.conversation_id)
        assert conversation.customer.identities[0].kind == "forum"
        assert session.scalars(select(ForumPrivateMessage.body)).one() == SECRET


def test_the_timeline_api_shows_public_posts_and_the_private_case(story, client):
    from hub.auth.models import Role
    from tests.personas import advisor

    svc, camille, ids = story
    _escalate(client, camille, ids)
    with transaction(svc.sessions) as session:
        boss = advisor(session, email="nora@example.test", name="Nora", role=Role.SUPERVISOR,
                       queue=False)
    headers = {"Authorization": f"Bearer {boss.token}"}
    url = f"/api/v1/customers/{ids['customer']}/timeline"
    items = client.get(url, headers=headers).get_json()["items"]
    assert {(i["channel"], i["direction"]) for i in items} == {
        ("forum", "inbound"), ("forum_private", "outbound")}
    found = client.get(url, query_string={"q": "doublé", "channel": "forum"},
                       headers=headers).get_json()
    assert "items" in found, found
    found = found["items"]
    assert [i["body"] for i in found] == ["Ma facture a doublé\n\nPourquoi ce montant ?"]


def test_replying_from_the_inbox_on_forum_conversations(story, app, client):
    """The generic reply endpoint of the inbox: a brand answer on the topic's
    conversation, a private message on the case's."""
    svc, camille, ids = story
    item_id = _raised_item(svc, ids["topic"], camille)
    with svc.sessions() as session:
        public_id = session.get(WorkItem, item_id).conversation_id
    sent = client.post(f"/api/v1/conversations/{public_id}/replies",
                       json={"body": "Réponse officielle."}, headers=bearer(camille))
    assert sent.status_code == 201, sent.get_json()
    assert (sent.get_json()["channel"], sent.get_json()["direction"]) == ("forum", "outbound")
    with svc.sessions() as session:
        assert session.get(WorkItem, item_id).state == WorkState.CLOSED
        assert session.scalars(select(ForumPost.body).where(
            ForumPost.topic_id == ids["topic"], ForumPost.advisor_id == camille.user.id)
        ).all() == ["Réponse officielle."]
    with transaction(svc.sessions) as session:
        other = ask(session, session.get(ForumTopic, ids["topic"]).author, "Encore moi")
        ids = {**ids, "topic": other.id}
    item_id = _raised_item(svc, ids["topic"], camille)
    case = _escalate(client, camille, ids)
    private = client.post(f"/api/v1/conversations/{case['conversation_id']}/replies",
                          json={"body": "Suite en privé."}, headers=bearer(camille))
    assert private.status_code == 201, private.get_json()
    with svc.sessions() as session:
        assert session.scalars(select(ForumPrivateMessage.body).order_by(
            ForumPrivateMessage.id)).all() == [SECRET, "Suite en privé."]


def test_private_messages_are_shown_as_text(story, app, client):
    svc, camille, ids = story
    case = _escalate(client, camille, ids)
    evil = '<img src=x onerror="alert(1)"><script>window.__xss=1</script>'
    assert client.post(f"/api/v1/forum/cases/{case['id']}/messages", json={"body": evil},
                       headers=bearer(camille)).status_code == 201
    member_client = app.test_client()
    sign_in(member_client, "nadia@example.test")
    html = member_client.get("/forum/messages").get_data(as_text=True)
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
