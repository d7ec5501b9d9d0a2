"""Community metrics on a seeded story, against figures computed by hand.

T0 is a Monday 09:00 UTC; the period is T0 ± 1 day.
- Q1 mobile, asked by Ana: Bob replies at +30 min, Cleo at +2 h; Ana accepts Cleo's.
- Q2 mobile, asked by Ana: only the brand answers (+5 h).
- Q3 mobile, asked by Bob: only Bob himself replies (+1 h)        -> unanswered.
- Q4 box, asked by Cleo: Bob replies at +1 h, an advisor certifies it.
- Q5 box, asked by Dan: escalated to a private case (the public note is the brand's).
- Q7 tv, asked by Ana: eleven helpers reply once each at +10 min.
- Q6 mobile, asked ten days before (Bob replies): outside the period.
Questions 6: community 3 (Q1 Q4 Q7), brand 2 (Q2 Q5), unanswered 1 (Q3).
First community reply: 1800, 3600, 600 s -> median 1800. Solution: Q1 7200 (accepted),
Q4 3600 (certified) -> median 5400. Community replies: Bob 2, Cleo 1, 11 helpers 1 each
= 14; the top 10 wrote 2 + 9 = 11 -> 11/14. Clicks in the period 3 (one before) -> 0.5 a
question; views 10 + 2 = 12 -> 2.0 a question; 1 escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.auth.models import Role
from hub.db import transaction
from hub.forum import advisor as actions
from hub.forum import service
from hub.forum.desk_models import ForumEscalation
from hub.forum.mail import LogMailer
from hub.forum.metrics import community_metrics
from hub.forum.models import ForumSuggestionClick
from tests.hub.forum.conftest import CONFIG, category, csrf_of, make_member
from tests.personas import PASSWORD, advisor

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SINCE, UNTIL = T0 - timedelta(days=1), T0 + timedelta(days=1)
MIN = timedelta(minutes=1)


def _ask(session, author, slug, title, when=T0):
    return service.create_topic(session, config=CONFIG, category=category(session, slug),
                                author=author, title=title, body="Question ?", now=when)


def _reply(session, topic, member, after):
    return service.reply(session, config=CONFIG, topic=topic, member=member, body="Réponse.",
                         now=topic.created_at + after)


@pytest.fixture
def story(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        staff = advisor(session, email="sam@example.test", name="Sam", queue=False)
        boss = advisor(session, email="nora@example.test", name="Nora", role=Role.SUPERVISOR,
                       queue=False)
        ana, bob, cleo, dan = (make_member(session, n) for n in ("Ana", "Bob", "Cleo", "Dan"))
        q1 = _ask(session, ana, "mobile", "Question un")
        _reply(session, q1, bob, 30 * MIN)
        service.accept_solution(session, post=_reply(session, q1, cleo, 120 * MIN), member=ana)
        q2 = _ask(session, ana, "mobile", "Question deux")
        service.reply(session, config=CONFIG, topic=q2, advisor=staff.user, body="Brand.",
                      now=T0 + 300 * MIN)
        q3 = _ask(session, bob, "mobile", "Question trois")
        _reply(session, q3, bob, 60 * MIN)
        q4 = _ask(session, cleo, "box-internet", "Question quatre")
        service.certify(session, post=_reply(session, q4, bob, 60 * MIN), advisor=staff.user)
        q5 = _ask(session, dan, "box-internet", "Question cinq")
        actions.escalate(session, ctx=svc.routing, config=CONFIG, mailer=LogMailer(), topic=q5,
                         advisor=staff.user, message="En privé.", public_url="https://x.test")
        for escalation in session.query(ForumEscalation):
            escalation.created_at = T0 + 180 * MIN
        q7 = _ask(session, ana, "tv", "Question sept")
        for n in range(11):
            _reply(session, q7, make_member(session, f"Helper{n}"), 10 * MIN)
        q6 = _ask(session, ana, "mobile", "Question ancienne", when=T0 - timedelta(days=10))
        _reply(session, q6, bob, 10 * MIN)
        q1.view_count, q2.view_count, q6.view_count = 10, 2, 50
        for when in (T0, T0 + MIN, T0 + 2 * MIN, T0 - timedelta(days=9)):
            session.add(ForumSuggestionClick(topic_id=q1.id if when >= T0 else q6.id,
                                             created_at=when))
    return svc, staff, boss


def test_the_figures_of_the_story(story):
    svc, _, _ = story
    with svc.sessions() as session:
        figures = community_metrics(session, since=SINCE, until=UNTIL)
    assert figures is not None
    assert (figures["questions"], figures["answered_by_community"],
            figures["answered_by_brand"], figures["unanswered"]) == (6, 3, 2, 1)
    assert (figures["community_share"], figures["brand_share"],
            figures["unanswered_share"]) == (0.5, 0.3333, 0.1667)
    assert figures["median_first_community_reply_seconds"] == 1800
    assert figures["median_solution_seconds"] == 5400
    assert figures["top10_answer_share"] == round(11 / 14, 4)
    assert (figures["suggestion_clicks"], figures["clicks_per_question"]) == (3, 0.5)
    assert (figures["topic_views"], figures["views_per_question"]) == (12, 2.0)
    assert figures["escalations"] == 1
    rows = {row["category"]: row for row in figures["by_category"]}
    assert [rows[s]["questions"] for s in ("mobile", "box-internet", "tv", "facturation")] \
        == [3, 2, 1, 0]
    assert (rows["mobile"]["answered_by_community"], rows["mobile"]["answered_by_brand"],
            rows["mobile"]["unanswered"]) == (1, 1, 1)


def test_one_category_through_the_api(story, client):
    _, staff, boss = story
    url = "/api/v1/forum/metrics"
    query = {"category": "box-internet", "since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    assert client.get(url, query_string=query,
                      headers={"Authorization": f"Bearer {staff.token}"}).status_code == 403
    body = client.get(url, query_string=query,
                      headers={"Authorization": f"Bearer {boss.token}"}).get_json()
    assert (body["questions"], body["answered_by_community"], body["answered_by_brand"],
            body["escalations"], body["suggestion_clicks"]) == (2, 1, 1, 1, 0)
    assert body["median_solution_seconds"] == 3600
    bad = client.get("/api/v1/forum/metrics?category=radio",
                     headers={"Authorization": f"Bearer {boss.token}"})
    assert bad.status_code == 422 and "category" in bad.get_json()["errors"]["json"]
    bad = client.get(url, query_string={"since": UNTIL.isoformat(), "until": SINCE.isoformat()},
                     headers={"Authorization": f"Bearer {boss.token}"})
    assert bad.status_code == 422 and "until" in bad.get_json()["errors"]["query"]


def test_the_supervisor_page(story, app):
    page_url = "/forum/metrics?since=2026-11-01&until=2026-11-02"

    def signed_in(email):
        browser = app.test_client()
        browser.get("/login")
        assert browser.post("/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": csrf_of(browser)}).status_code == 302
        return browser

    assert signed_in("sam@example.test").get(page_url).status_code == 403
    assert app.test_client().get(page_url).status_code == 403
    html = signed_in("nora@example.test").get(page_url).get_data(as_text=True)
    summary = html.split('id="metrics-summary"')[1].split("</table>")[0]
    assert "50.0 %" in summary and "33.3 %" in summary and "78.6 %" in summary
    assert "30 min" in summary and "1.5 h" in summary
