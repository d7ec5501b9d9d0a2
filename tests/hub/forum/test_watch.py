"""The unanswered-delay timer, on a frozen clock: a question becomes work for the brand
only when the community has not answered it in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hub.db import transaction
from hub.forum import service
from hub.forum.desk import raise_due
from hub.forum.desk_models import ForumWatch, WatchState
from hub.forum.models import ForumTopic
from hub.routing.models import Queue, WorkItem
from hub.timeline.models import Conversation
from tests.hub.forum.conftest import CONFIG, category, linked_member, make_member

# A Tuesday, 10:00 in Paris (office hours): the base delay of 4 hours applies.
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 23:30 in Paris
BASE = timedelta(seconds=CONFIG.FORUM_BRAND_DELAY_SECONDS)


def _ask(session, author, when=MORNING, body="Ma box ne synchronise plus.") -> ForumTopic:
    return service.create_topic(session, config=CONFIG, category=category(session),
                                author=author, title="Box sans synchro", body=body, now=when)


def _raise(svc, now):
    with transaction(svc.sessions) as session:
        return raise_due(session, ctx=svc.routing, now=now)


def _watch(session, topic_id) -> ForumWatch:
    return session.scalars(select(ForumWatch).where(ForumWatch.topic_id == topic_id)).one()


def test_unanswered_question_becomes_forum_work_after_the_delay(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        topic_id = _ask(session, make_member(session, "Nadia")).id
    assert _raise(svc, MORNING + BASE - timedelta(seconds=1))["raised"] == 0
    assert _raise(svc, MORNING + BASE) == {"raised": 1, "cancelled": 0, "settled": 0}
    with svc.sessions() as session:
        watch = _watch(session, topic_id)
        item = session.get(WorkItem, watch.work_item_id)
        assert watch.state == WatchState.RAISED and item is not None
        assert session.get(Queue, item.queue_id).name == "forum"
        assert item.channel_kind == "forum"
        assert item.attributes["forum_topic_id"] == topic_id
        conversation = session.get(Conversation, item.conversation_id)
        assert conversation.channel == "forum"
        assert conversation.customer_address.startswith(f"/forum/t/{topic_id}-")
    assert _raise(svc, MORNING + 2 * BASE)["raised"] == 0  # raised once


def test_community_reply_before_the_delay_cancels_the_pending_item(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        topic = _ask(session, make_member(session, "Nadia"))
        service.reply(session, config=CONFIG, topic=topic, member=make_member(session, "Helper"),
                      body="Redémarrez-la.", now=MORNING + timedelta(hours=1))
        topic_id = topic.id
    assert _raise(svc, MORNING + 2 * BASE)["raised"] == 0
    with svc.sessions() as session:
        assert _watch(session, topic_id).state == WatchState.CANCELLED
        assert session.scalar(select(WorkItem.id)) is None


def test_the_askers_own_reply_does_not_count_as_an_answer(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        asker = make_member(session, "Nadia")
        topic = _ask(session, asker)
        service.reply(session, config=CONFIG, topic=topic, member=asker, body="Up ?",
                      now=MORNING + timedelta(hours=1))
    assert _raise(svc, MORNING + BASE)["raised"] == 1


def test_vip_customers_wait_less_and_night_questions_wait_longer(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        vip = _ask(session, linked_member(session, "Vera", vip=True))
        night = _ask(session, make_member(session, "Owl"), when=NIGHT)
        vip_watch, night_watch = _watch(session, vip.id), _watch(session, night.id)
        assert (vip_watch.delay_reason, night_watch.delay_reason) == ("vip", "night")
        assert vip_watch.due_at == MORNING + timedelta(seconds=CONFIG.FORUM_VIP_DELAY_SECONDS)
        assert night_watch.due_at == NIGHT + timedelta(
            seconds=CONFIG.FORUM_NIGHT_DELAY_SECONDS)
    assert _raise(svc, MORNING + timedelta(seconds=CONFIG.FORUM_VIP_DELAY_SECONDS))[
        "raised"] == 1
    assert _raise(svc, NIGHT + BASE)["raised"] == 0


def test_the_due_time_survives_the_loss_of_redis(forum_queue):
    """The scheduler's job reads the due time from the database."""
    from workers.forum import raise_unanswered

    svc = forum_queue
    with transaction(svc.sessions) as session:
        topic_id = _ask(session, make_member(session, "Nadia")).id
    svc.redis.flushdb()
    assert raise_unanswered(now=MORNING + BASE)["raised"] == 1
    with svc.sessions() as session:
        assert _watch(session, topic_id).state == WatchState.RAISED


def test_a_held_question_waits_for_moderation(forum_queue):
    svc = forum_queue
    with transaction(svc.sessions) as session:
        topic = _ask(session, make_member(session, "Nadia"), body="Appelez-moi au 0612345678")
        assert topic.status == "held"
    assert _raise(svc, MORNING + 2 * BASE)["raised"] == 0


def test_linked_members_posts_are_on_their_timeline_with_the_topic_link(forum_queue):
    from hub.timeline.queries import timeline_page

    svc = forum_queue
    with transaction(svc.sessions) as session:
        member = linked_member(session, "Lina")
        topic = _ask(session, member)
        other = _ask(session, make_member(session, "Anon"))
        service.reply(session, config=CONFIG, topic=other, member=member, body="Même souci.")
        customer_id, topic_id = member.customer_id, topic.id
    with svc.sessions() as session:
        page = timeline_page(session, customer_id)
        bodies = [item["body"] for item in page.items]
        assert bodies == ["Même souci.", "Box sans synchro\n\nMa box ne synchronise plus."]
        assert {item["channel"] for item in page.items} == {"forum"}
        links = set(session.scalars(select(Conversation.customer_address).where(
            Conversation.customer_id == customer_id)))
        assert f"/forum/t/{topic_id}-box-sans-synchro" in links
