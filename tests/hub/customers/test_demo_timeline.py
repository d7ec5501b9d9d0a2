"""Issue 3's "done when": in the demo, Léa (who called, texted, emailed, chatted and posted
on the forum) has one timeline with all of it, and the account panel. The demo seed runs
on SQLite (``make demo``) and on PostgreSQL, then the API is read as a supervisor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import User
from hub.auth.service import create_token
from hub.bootstrap import build_services
from hub.customers.models import Identity
from hub.db import transaction
from hub.forum.models import ForumMember, ForumPost
from hub.migrate import upgrade
from hub.seed import ADVISORS, CUSTOMERS, HISTORY, seed_demo
from tests.conftest import with_settings

CHANNELS = {"phone", "twilio_sms", "email", "chat", "forum"}


@pytest.fixture(params=["postgresql", "sqlite"])
def demo_services(request, settings, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("services")
        return
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    demo = with_settings(settings, DATABASE_URL=url)
    upgrade(url)
    services = build_services(demo)
    yield services
    services.engine.dispose()


def test_the_demo_customer_has_one_timeline_with_every_channel(demo_services):
    from hub.app import create_app

    with transaction(demo_services.sessions) as session:
        seed_demo(session)
        seed_demo(session)  # idempotent: nothing twice
        lea = session.scalar(select(Identity.customer_id).where(
            Identity.address == CUSTOMERS[0][1]))
        supervisor = session.scalar(select(User).where(User.email == ADVISORS[2][0]))
        token = create_token(session, user=supervisor)
        her_posts = set(session.scalars(select(ForumPost.body).join(
            ForumMember, ForumMember.id == ForumPost.author_id).where(
            ForumMember.customer_id == lea)))
    client = create_app(demo_services.settings, demo_services).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page = client.get(f"/api/v1/customers/{lea}/timeline?limit=100", headers=headers)
    assert page.status_code == 200, page.get_json()
    items = page.get_json()["items"]
    assert {item["channel"] for item in items} == CHANNELS
    assert len(her_posts) == 3  # two questions and a reply, by the linked member
    assert len(items) == len(HISTORY) + len(her_posts)
    stamps = [item["occurred_at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)
    forum_bodies = [i["body"] for i in items if i["channel"] == "forum"]
    assert all(any(body.endswith(post) for body in forum_bodies) for post in her_posts)
    forum_only = client.get(f"/api/v1/customers/{lea}/timeline?channel=forum",
                            headers=headers).get_json()["items"]
    assert {item["channel"] for item in forum_only} == {"forum"}
    texts = client.get(f"/api/v1/customers/{lea}/timeline?channel=sms,phone",
                       headers=headers).get_json()["items"]
    assert {item["channel"] for item in texts} == {"twilio_sms", "phone"}  # sms: its adapters
    found = client.get(f"/api/v1/customers/{lea}/timeline?q=resiliation",
                       headers=headers).get_json()["items"]
    assert [item["channel"] for item in found] == ["twilio_sms"]
    card = client.get(f"/api/v1/customers/{lea}", headers=headers).get_json()
    assert card["account"]["available"] is True
    invoices = {i["number"]: i["status"] for i in card["account"]["invoices"]}
    assert invoices["F2026-0001"] == "unpaid"
    assert card["account"]["orders"][0]["tracking"] == "6A12345678901"
    assert {i["kind"] for i in card["identities"]} == {"phone", "email", "chat"}
