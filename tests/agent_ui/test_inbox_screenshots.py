"""The screenshots of docs/images (README, docs/inbox.md), taken against the running hub:

    ENTRAIDE_SCREENSHOTS=1 make test PYTEST_ARGS='tests/agent_ui/test_inbox_screenshots.py'

Without ENTRAIDE_SCREENSHOTS the test still runs the scene and checks what it shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from hub.auth.models import Role
from hub.customers.models import Customer
from hub.db import transaction
from hub.routing.models import Offer, OfferState
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer
from tests.agent_ui.test_inbox_browser import log_in, send_sms
from tests.hub.routing.builders import work
from tests.personas import advisor, demo_customers
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
IMAGES = Path(__file__).parents[2] / "docs" / "images"


def shoot(page, name: str) -> None:
    if os.environ.get("ENTRAIDE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / name))


def busy_day(services) -> None:
    """Camille handles Karim's email; Emma's chat and a forum question wait."""
    ctx = services.routing
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session, email="camille@example.test", name="Camille Martin")
        advisor(session, email="sophie@example.test", name="Sophie Bernard",
                role=Role.SUPERVISOR)
        named = {c.display_name: c for c in session.scalars(select(Customer))}
        services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
        item = work(session, ctx, text="Ma fibre coupe tous les soirs vers 21 h", kind="email",
                    channel="smtp", who=named["Karim Benali"])
        offer = session.scalar(select(Offer).where(Offer.work_item_id == item.id,
                                                   Offer.state == OfferState.PENDING))
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        services.presence.set_status(camille.user.id, PresenceStatus.OFFLINE)
        work(session, ctx, text="My SIM card is not activated yet", kind="chat",
             channel="webchat", who=named["Emma Wilson"])
        work(session, ctx, text="Comment transférer mon numéro ?", kind="forum",
             channel="forum", who=named["Léa Dubois"])


def test_inbox_screenshots(stack: Stack, browser: Browser, services) -> None:
    busy_day(services)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, stack.settings.PUBLIC_URL, "sophie@example.test")
    page.get_by_role("tab", name="Tous les ouverts").click()
    rows = page.locator("#work-list .work-row")
    expect(rows).to_have_count(3)
    send_sms(stack, "Bonjour, ma facture de novembre est fausse")
    offer = page.locator(".offer", has_text="facture de novembre")
    expect(offer).to_contain_text("facture de novembre", timeout=15_000)
    expect(page.locator('[data-count="all"]')).to_have_text("(4)", timeout=15_000)
    shoot(page, "inbox.png")
    offer.get_by_role("button", name="Accepter").click()
    expect(page.locator(".conversation")).to_contain_text("facture de novembre")
    expect(page.locator("#work-actions")).to_contain_text("Affecté")
    expect(rows.filter(has_text="facture de novembre")).to_contain_text("Affecté")
    shoot(page, "inbox-conversation-open.png")
    context.close()
