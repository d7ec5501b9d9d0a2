"""The advisor handles an SMS from the inbox page in headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.db import transaction
from tests.conftest import HUB_NUMBER, TWILIO_SID
from tests.personas import LEA_PHONE, PASSWORD, advisor, demo_customers
from tests.standins.twilio import TwilioStandin, inbound_sms_params, sign_and_post
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "images"


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{url}/inbox")


def signed_in(browser: Browser, stack: Stack, email: str, locale: str = "fr-FR"
              ) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]  # console errors (CSP refusals, exceptions)
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"))
    log_in(page, stack.settings.PUBLIC_URL, email)
    expect(page.locator("#connection")).to_have_text("Connecté")
    return context, page


def send_sms(stack: Stack, body: str) -> None:
    params = inbound_sms_params(from_=LEA_PHONE, to=HUB_NUMBER, account_sid=TWILIO_SID, body=body)
    url = f"{stack.settings.PUBLIC_URL}/hooks/twilio_sms/demo"
    assert sign_and_post(url, params, stack.settings.TWILIO_AUTH_TOKEN).status_code == 200


def test_offer_accept_reply_and_delivered(stack: Stack, browser: Browser, services,
                                          twilio: TwilioStandin) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test")
    context, page = signed_in(browser, stack, "camille@example.test")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    send_sms(stack, "Bonjour <img src=x onerror=alert(1)> ma facture est fausse")
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Léa Dubois", timeout=15_000)
    expect(offer).to_contain_text("<img src=x onerror=alert(1)>")
    expect(offer).to_contain_text("unpaid")
    page.set_viewport_size({"width": 900, "height": 720})  # the top bar wraps
    page.wait_for_timeout(300)
    bar, cards = page.locator(".topbar").bounding_box(), offer.bounding_box()
    assert bar and cards and cards["y"] >= bar["y"] + bar["height"], (bar, cards)  # logout
    page.set_viewport_size({"width": 1280, "height": 720})
    if os.environ.get("ENTRAIDE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "inbox-offer.png"))
    offer.get_by_role("button", name="Accepter").click()

    conversation = page.locator(".conversation")
    expect(conversation).to_contain_text("ma facture est fausse")
    composer = conversation.get_by_role("textbox")
    composer.fill("Je regarde votre facture tout de suite.")
    composer.press("Control+Enter")
    sent = twilio.wait_for_messages(1, timeout=20)
    assert sent[0].body == "Je regarde votre facture tout de suite."
    assert twilio.send_status_callback(sent[0], "delivered").status_code == 200
    expect(conversation.locator(".item.outbound.current .status")).to_have_attribute(
        "data-status", "delivered", timeout=15_000)
    expect(conversation.locator(".item.outbound.current .status")).to_have_text("distribué")
    if os.environ.get("ENTRAIDE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "inbox-conversation.png"))
    assert dialogs == []
    context.close()


def test_auto_accepted_work_opens_without_a_card(stack: Stack, browser: Browser,
                                                 services) -> None:
    """An advisor whose profile auto-accepts SMS (issue #4 point 3) gets the conversation
    opened at once: the offer card is the assignment, no accept button is shown."""
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session, email="camille@example.test")
        camille.user.capacity = {"auto_accept": ["async"]}
    context, page = signed_in(browser, stack, "camille@example.test")
    send_sms(stack, "Ma ligne est coupée depuis ce matin")
    conversation = page.locator(".conversation")
    expect(conversation).to_contain_text("Ma ligne est coupée", timeout=15_000)
    expect(page.locator(".offer")).to_have_count(0)
    context.close()


def test_offer_sent_while_offline_is_shown_after_reconnect(stack: Stack, browser: Browser,
                                                           services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test")
    context, page = signed_in(browser, stack, "camille@example.test")
    context.set_offline(True)
    expect(page.locator("#connection")).to_have_text("Reconnexion…", timeout=30_000)
    send_sms(stack, "Message pendant la coupure")
    page.wait_for_timeout(1500)
    context.set_offline(False)
    expect(page.locator(".offer")).to_contain_text("Message pendant la coupure",
                                                   timeout=30_000)
    context.close()


def test_login_refuses_a_wrong_password(stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        advisor(session, email="camille@example.test")
    page = browser.new_page(locale="en-GB")
    page.goto(f"{stack.settings.PUBLIC_URL}/login")
    page.get_by_label("Email").fill("camille@example.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    page.goto(f"{stack.settings.PUBLIC_URL}/inbox")
    expect(page).to_have_url(f"{stack.settings.PUBLIC_URL}/login?next=%2Finbox")
    page.close()
