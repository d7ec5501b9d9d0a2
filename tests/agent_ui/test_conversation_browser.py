"""The conversation view, the customer panel and the composer in headless Chromium, against
the running hub: timeline and account panel, a note whose mention reaches a colleague's
browser, a canned response, an SMS reply marked delivered by the Twilio stand-in's callback,
a draft that survives a reload, and customer text that stays text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hub.auth.models import Role
from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.timeline.models import Conversation, Interaction
from tests.agent_ui.test_inbox_browser import send_sms
from tests.personas import LEA_PHONE, PASSWORD, advisor, demo_customers
from tests.standins.twilio import TwilioStandin
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "images"


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/inbox")
    expect(page.locator("#connection")).to_have_text("Connected")


def accept_offer(page: Page, stack: Stack, text: str) -> None:
    send_sms(stack, text)
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Léa Dubois", timeout=15_000)
    offer.get_by_role("button", name="Accept").click()


def test_conversation_panel_note_mention_canned_sms_reply_and_draft(
        stack: Stack, browser: Browser, services, twilio: TwilioStandin) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test", name="Camille Martin", language="en")
        advisor(session, email="noe@example.test", name="Noé Petit", language="en",
                queue=False)
    url = stack.settings.PUBLIC_URL
    dialogs: list[str] = []
    camille_context = browser.new_context(locale="en-GB")
    page = camille_context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, url, "camille@example.test")
    alex_context = browser.new_context(locale="en-GB")
    alex = alex_context.new_page()
    log_in(alex, url, "noe@example.test")

    accept_offer(page, stack, "Bonjour <script>alert(1)</script><img src=x onerror=alert(2)>")
    conversation = page.locator(".conversation")
    body = conversation.locator(".item.inbound.current .body")
    expect(body).to_have_text("Bonjour <script>alert(1)</script><img src=x onerror=alert(2)>")
    expect(conversation.locator(".item.inbound.current .channel")).to_contain_text("SMS")
    expect(conversation.locator(".item.inbound.current .status")).to_have_text("received")

    panel = page.locator("#customer-pane")
    expect(panel.locator(".customer-name")).to_have_text("Léa Dubois")
    expect(panel.locator(".account")).to_contain_text("Sosh 100 Go")
    expect(panel.locator(".account")).to_contain_text("unpaid")
    expect(panel.locator(".identities")).to_contain_text("lea.dubois@example.fr")
    panel.get_by_label("Agrees to texts").check()
    panel.get_by_label("Tags (comma separated)").fill("facture, fibre")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".profile .result")).to_have_text("Saved")

    composer = conversation.locator(".composer")
    composer.get_by_role("button", name="Private note").click()
    text = composer.get_by_role("textbox")
    text.press_sequentially("Please check @No")
    composer.get_by_role("option", name="@Noé Petit").click()
    text.press_sequentially("her double payment")
    text.press("Control+Enter")
    note = conversation.locator(".note")
    expect(note).to_contain_text("Please check @Noé Petit her double payment")
    expect(note).to_contain_text("Private note")
    expect(alex.locator("#notifications .notification")).to_contain_text(
        "Camille Martin mentioned you in a note", timeout=15_000)
    expect(alex.locator("#notifications")).to_contain_text("her double payment")

    composer.get_by_role("button", name="Reply").click()
    expect(composer.locator("select.channel")).to_have_value("twilio_sms")
    text.press_sequentially("/fac")
    option = composer.get_by_role("option", name="facture — Facture")
    expect(option).to_be_visible()
    text.press("Enter")
    expect(text).to_have_value(
        "Léa, votre forfait Sosh 100 Go est bien actif. Je vérifie votre facture et je "
        "reviens vers vous.")
    expect(composer.locator(".counter")).to_contain_text("1 SMS segments (GSM-7)")
    text.press("Control+Enter")
    sent = twilio.wait_for_messages(1, timeout=20)
    assert sent[0].body.startswith("Léa, votre forfait Sosh 100 Go")
    assert twilio.send_status_callback(sent[0], "delivered").status_code == 200
    expect(conversation.locator(".item.outbound.current .status")).to_have_text("delivered",
                                                                        timeout=15_000)
    expect(text).to_have_value("")
    if os.environ.get("ENTRAIDE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "inbox-conversation-panel.png"), full_page=True)

    segments = "window.EntraideSms.smsSegments(%s)"
    assert page.evaluate(segments % "'a'.repeat(161)") == {
        "encoding": "GSM-7", "units": 161, "segments": 2}
    assert page.evaluate(segments % "'€'.repeat(80)")["segments"] == 1  # 2 units each
    assert page.evaluate(segments % "'ê'.repeat(71)") == {
        "encoding": "UCS-2", "units": 71, "segments": 2}
    text.fill("a" * 1601)
    expect(composer.locator(".counter")).to_contain_text("Too long for this channel")
    expect(composer.locator("button.send")).to_be_disabled()
    text.fill("Un brouillon à garder 😀")
    expect(composer.locator(".counter")).to_contain_text("1 SMS segments (UCS-2)")
    conversation_id = conversation.get_attribute("data-conversation-id")
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connected")
    page.evaluate("id => window.Entraide.openConversation(id)", conversation_id)
    restored = page.locator(".conversation .composer").get_by_role("textbox")
    expect(restored).to_have_value("Un brouillon à garder 😀")
    expect(page.locator(".conversation .note")).to_contain_text("double payment")
    assert dialogs == []
    camille_context.close()
    alex_context.close()


def test_a_supervisor_merges_a_suggested_duplicate_from_the_panel(
        stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="sophie@example.test", name="Sophie", language="en",
                role=Role.SUPERVISOR, queue=False)
        lea = session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))
        twin = Customer(display_name="DUBOIS Léa", language="fr")
        session.add(twin)
        session.flush()
        session.add(Identity(customer_id=twin.id, kind="email", address="lea.dubois@mail.example"))
        thread = Conversation(customer_id=lea, channel="twilio_sms", account="demo",
                              thread_key=LEA_PHONE, customer_address=LEA_PHONE)
        session.add(thread)
        session.flush()
        session.add(Interaction(conversation_id=thread.id, customer_id=lea, channel="twilio_sms",
                                direction="inbound", body="Bonjour", status="received"))
        thread_id = thread.id
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, stack.settings.PUBLIC_URL, "sophie@example.test")
    page.evaluate("id => window.Entraide.openConversation(id)", thread_id)
    panel = page.locator("#customer-pane")
    suggestion = panel.locator(".merge-suggestion")
    expect(suggestion).to_contain_text("DUBOIS Léa")
    expect(suggestion).to_contain_text("same name; same email user name")
    suggestion.get_by_label("Reason").fill("Same person, second address")
    suggestion.get_by_role("button", name="Merge").click()
    expect(panel.locator(".identities")).to_contain_text("lea.dubois@mail.example")
    expect(panel.locator(".merge-suggestion")).to_have_count(0)
    page.context.close()
