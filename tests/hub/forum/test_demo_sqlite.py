"""The demo's path: SQLite, every migration, the demo seed, then the forum pages."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.bootstrap import build_services
from hub.db import transaction
from hub.forum.models import ForumMember, ForumTopic
from hub.migrate import upgrade
from hub.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import with_settings
from tests.hub.forum.conftest import csrf_of


def test_demo_forum_on_sqlite(settings, tmp_path) -> None:
    from hub.app import create_app

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    demo = with_settings(settings, DATABASE_URL=url)
    upgrade(url)
    services = build_services(demo)
    try:
        with transaction(services.sessions) as session:
            seed_demo(session)
            seed_demo(session)  # idempotent
        with transaction(services.sessions) as session:
            assert session.scalar(select(func.count(ForumTopic.id))) == 4
            lea = session.scalars(select(ForumMember).where(ForumMember.pseudonym == "Léa D.")
                                  ).one()
            assert lea.customer_id is not None  # linked by the verified email
            solved = session.scalars(select(ForumTopic).where(
                ForumTopic.solution_post_id.is_not(None))).one()
            path = f"/forum/t/{solved.id}-{solved.slug}"
        client = create_app(demo, services).test_client()
        for page in ("/forum/", "/forum/c/box-internet", path, "/forum/c/tv/feed.atom",
                     "/forum/leaderboard?period=all"):
            assert client.get(page).status_code == 200, page
        assert client.get("/forum/similar?q=box redemarre").get_json()["results"]
        client.get("/forum/login")
        client.post("/forum/login", data={"email": "marie@forum.demo",
                                          "password": DEMO_PASSWORD,
                                          "csrf_token": csrf_of(client)})
        response = client.post(f"/forum/t/{solved.id}/reply", data={
            "body": "Merci à tous !", "csrf_token": csrf_of(client)})
        assert response.status_code == 302
        assert "Merci à tous !" in client.get(path).get_data(as_text=True)
        _the_unanswered_question_is_forum_work(services)
    finally:
        services.engine.dispose()


def _the_unanswered_question_is_forum_work(services) -> None:
    """The demo's question asked a day ago is past its delay: the scheduler's job raises
    it in the "forum" queue, where every demo advisor can be offered it."""
    from hub.forum.desk import raise_due
    from hub.routing.models import Queue, QueueMember, WorkItem

    with transaction(services.sessions) as session:
        assert raise_due(session, ctx=services.routing)["raised"] == 1
    with services.sessions() as session:
        item = session.scalars(select(WorkItem)).one()
        forum = session.get(Queue, item.queue_id)
        assert forum.name == "forum" and item.attributes["forum_category"] == "tv"
        assert session.scalar(select(func.count(QueueMember.id)).where(
            QueueMember.queue_id == forum.id)) >= 3
