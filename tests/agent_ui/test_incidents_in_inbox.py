"""Incidents in the inbox, in headless Chromium against the running hub: Camille links
Léa's conversation to an open incident from the actions bar; the customer panel lists it
at once (pushed as incidents.changed); unlinking removes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from hub.auth.models import Role
from hub.db import transaction
from hub.incidents import service as incidents
from tests.agent_ui.test_conversation_browser import accept_offer, log_in
from tests.personas import advisor, demo_customers
from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def test_link_a_conversation_to_an_incident_and_see_it_in_the_customer_panel(
        stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test", name="Camille Martin", language="en")
        nora = advisor(session, email="nora@example.test", name="Nora", language="en",
                       role=Role.SUPERVISOR, queue=False)
        incidents.declare(session, title="Coupure fibre à Lyon <b>", message="En cours.",
                          category_ids=[], keywords=["coupure"], user=nora.user)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, stack.settings.PUBLIC_URL, "camille@example.test")
    accept_offer(page, stack, "Plus d'internet depuis ce matin")
    panel = page.locator("#customer-pane")
    expect(panel.locator(".customer-name")).to_have_text("Léa Dubois")
    expect(panel.locator("section.incidents")).to_contain_text("No open incident")

    page.keyboard.press("i")  # the shortcut opens the box
    box = page.locator("#incident-box")
    expect(box).to_have_attribute("open", "")
    box.get_by_label("Open incident").select_option(label="Coupure fibre à Lyon <b>")
    box.get_by_role("button", name="Link to the incident").click()
    expect(box.locator(".incident-link")).to_contain_text("Linked to : Coupure fibre à Lyon <b>")
    expect(box.locator("#incident-form")).to_be_hidden()  # no other open incident
    incident = panel.locator("section.incidents .incident")
    expect(incident).to_contain_text("Coupure fibre à Lyon <b>", timeout=10_000)
    expect(incident).to_contain_text("linked to conversation #")

    box.get_by_role("button", name="Unlink : Coupure fibre à Lyon <b>").click()
    expect(box.locator(".incident-link")).to_have_count(0)
    expect(panel.locator("section.incidents")).to_contain_text("No open incident",
                                                               timeout=10_000)
    assert dialogs == []
    context.close()
