"""A forum question left unanswered reaches the inbox; the advisor moves it to a private
case from there, and the public topic says so without publishing anything private."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from hub.db import transaction, utcnow
from hub.forum.defaults import ensure_forum_queue
from hub.forum.desk_models import ForumWatch, WatchState
from hub.forum.models import ForumTopic
from hub.routing.models import QueueMember
from tests.agent_ui.test_conversation_browser import log_in
from tests.personas import advisor, demo_customers
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
PRIVATE = "Pouvez-vous me donner le numéro de série du décodeur ? (privé-7f3a)"


def test_an_overdue_question_is_offered_and_moved_to_a_private_case(
        stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session, forum_work=True)  # one demo question is past its delay
        camille = advisor(session, email="camille@example.test", name="Camille Martin",
                          language="en")
        session.add(QueueMember(queue_id=ensure_forum_queue(session).id,
                                user_id=camille.user.id))
        topic = session.scalar(select(ForumTopic)
                               .join(ForumWatch, ForumWatch.topic_id == ForumTopic.id)
                               .where(ForumWatch.state == WatchState.PENDING,
                                      ForumWatch.due_at <= utcnow()))
        topic_id, title, path = topic.id, topic.title, f"/forum/t/{topic.id}"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    log_in(page, stack.settings.PUBLIC_URL, "camille@example.test")
    offer = page.locator(".offer")
    expect(offer).to_contain_text(title, timeout=20_000)  # raised by the scheduler
    offer.get_by_role("button", name="Accept").click()

    actions = page.locator(".conversation .forum-actions").first
    expect(actions.get_by_role("link", name="Open the topic on the forum")) \
        .to_have_attribute("href", re.compile(rf"^/forum/t/{topic_id}-"))
    actions.get_by_label("First private message to the member").fill(PRIVATE)
    actions.get_by_role("button", name="Move to a private case").click()
    expect(actions.get_by_role("status")).to_contain_text("Moved to a private case")
    # the private case opens beside it, with the first private message
    expect(page.locator(".conversation").filter(has_text=PRIVATE).first).to_be_visible()

    public = page.request.get(f"{stack.settings.PUBLIC_URL}{path}")
    assert public.ok
    html = public.text()
    assert "privé-7f3a" not in html
    assert "en privé" in html or "privately" in html  # the standard public note
    context.close()
