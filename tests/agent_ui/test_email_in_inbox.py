"""Email in the inbox, in headless Chromium against the running hub: the HTML part shown
in a sandboxed frame where nothing runs, the text part folded beneath it; the reply's
subject ("Re: …", editable) and the quoted message reach the relay, threaded."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

import hub.mail_ingress
from hub.db import transaction
from tests.agent_ui.test_conversation_browser import log_in
from tests.channels.email.mails import HOSTILE_HTML, alternative
from tests.channels.email.test_outbound import Relay
from tests.conftest import with_settings
from tests.personas import advisor, demo_customers
from tests.support.processes import free_port
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
LEA = "Léa Dubois <lea.dubois@example.fr>"


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(settings, relay):
    """The stack's worker sends replies to the relay."""
    return with_settings(settings, EMAIL_SMTP_HOST="127.0.0.1", EMAIL_SMTP_PORT=relay[1],
                         EMAIL_SMTP_STARTTLS=False)


def wait_for_mail(relay: Relay, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while not relay.received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert relay.received, "the relay received no mail"
    return message_from_bytes(relay.received[-1][2], policy=policy.default)


def send_mail(services, mail) -> None:
    """Through `entraide smtp` (in this process); the stack's worker takes it from there."""
    port = free_port()
    server = hub.mail_ingress.controller(services, host="127.0.0.1", port=port)
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(mail)
    finally:
        server.stop()


def accept_mail(page: Page, services, mail) -> None:
    send_mail(services, mail)
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Léa Dubois", timeout=15_000)
    offer.get_by_role("button", name="Accept").click()


def test_an_html_mail_in_a_sandboxed_frame_then_a_reply_with_subject_and_quote(
        stack: Stack, browser: Browser, services, relay) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test", name="Camille Martin", language="en")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, stack.settings.PUBLIC_URL, "camille@example.test")

    accept_mail(page, services, alternative("Bonjour, ma facture est fausse (texte).",
                                            HOSTILE_HTML, sender=LEA))
    item = page.locator(".conversation .item.inbound.current")
    frame = item.locator("iframe.email-html")
    expect(frame).to_have_attribute("sandbox", "allow-popups allow-popups-to-escape-sandbox")
    inside = item.frame_locator("iframe.email-html")
    expect(inside.locator("b")).to_have_text("l'équipe", timeout=10_000)
    expect(inside.locator("body")).to_contain_text("ma facture est fausse.")
    expect(inside.locator("img[alt=logo]")).to_have_count(1)
    assert inside.locator("script, [onerror], [onload], iframe, form").count() == 0
    assert inside.locator("img[src]").count() == 0  # remote images blocked
    # the text part, folded beneath the frame
    fallback = item.locator("details.text-part")
    expect(fallback.locator(".body")).to_be_hidden()
    fallback.get_by_text("Text version").click()
    expect(fallback.locator(".body")).to_have_text("Bonjour, ma facture est fausse (texte).")
    # nothing ran: no dialog, no sentinel, in the page or in the frame
    assert page.evaluate("window.__xss") is None
    framed = next(f for f in page.frames if f.url.endswith("/html"))
    assert framed.evaluate("window.__xss === undefined")
    page.wait_for_timeout(300)  # a dialog, were one to fire, would be in by now
    assert dialogs == []

    # the reply: subject "Re: …" (edited here) and the quoted message, shown for email only
    composer = page.locator(".conversation .composer")
    expect(composer.locator("select.channel")).to_have_value("email")
    subject = composer.get_by_label("Subject")
    expect(subject).to_have_value("Re: Ma facture")
    expect(composer.get_by_label("Quote the previous message")).to_be_checked()
    expect(composer.locator(".quote-preview")).to_have_text(
        "> Bonjour, ma facture est fausse (texte).")
    subject.fill("Re: Ma facture (corrigée)")
    composer.get_by_role("textbox", name="Write a reply…").fill("Je la corrige.")
    composer.get_by_role("textbox", name="Write a reply…").press("Control+Enter")
    sent = wait_for_mail(relay[0])
    assert sent["Subject"] == "Re: Ma facture (corrigée)"
    assert sent["In-Reply-To"] == "<alt-1@example.com>"
    text = sent.get_content().replace("\r\n", "\n")
    assert text.startswith("Je la corrige.\n\n")
    assert "> Bonjour, ma facture est fausse (texte).\n" in text
    expect(page.locator(".conversation .item.outbound.current .body")).to_have_text(
        "Je la corrige.")
    expect(subject).to_have_value("Re: Ma facture")  # back to the default once sent
    composer.get_by_role("button", name="Private note").click()
    expect(composer.locator(".email-reply")).to_be_hidden()
    context.close()
