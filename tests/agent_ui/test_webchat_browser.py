"""A customer chats from the widget on a brand's page while an advisor answers from the
inbox, both in headless Chromium against the running hub (web, worker, scheduler): the
offer, typing both ways, the reply live in the widget, the history after a reload, and a
forged visitor session refused at the hook and at the socket."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Browser, Page, expect

from hub.db import transaction
from tests.agent_ui.test_conversation_browser import log_in
from tests.personas import advisor
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "images"


def open_widget(page: Page, url: str) -> None:
    page.goto(f"{url}/chat/demo")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Discutons").click()
    expect(page.get_by_role("region", name="Service client")).to_be_visible()


def test_a_visitor_chats_with_an_advisor_and_a_forged_session_is_refused(
        stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        advisor(session, email="camille@example.test", name="Camille Martin", language="en")
    url = stack.settings.PUBLIC_URL
    errors: list[str] = []
    advisor_context = browser.new_context(locale="en-GB")
    inbox = advisor_context.new_page()
    log_in(inbox, url, "camille@example.test")

    visitor_context = browser.new_context(locale="fr-FR")
    site = visitor_context.new_page()
    site.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    site.on("pageerror", lambda e: errors.append(str(e)))
    open_widget(site, url)
    widget = site.get_by_role("region", name="Service client")
    text = widget.get_by_role("textbox", name="Écrivez votre message…")
    text.fill("Bonjour, ma box <b>clignote</b>")
    text.press("Enter")
    log = widget.get_by_role("log")
    expect(log.locator(".inbound:not(.pending)")).to_have_text(
        "VousBonjour, ma box <b>clignote</b>", timeout=15_000)

    offer = inbox.locator(".offer")
    expect(offer).to_contain_text("ma box <b>clignote</b>", timeout=20_000)
    offer.get_by_role("button", name="Accept").click()
    conversation = inbox.locator(".conversation")
    expect(conversation).to_contain_text("ma box <b>clignote</b>")

    composer = conversation.locator(".composer").get_by_role("textbox")
    composer.fill("Je regarde")
    expect(widget.get_by_text("Un conseiller écrit…")).to_be_visible(timeout=10_000)

    # the visitor types, key by key for a few seconds as a person does (the widget sends
    # "typing" at most every 2 s): the advisor sees it
    text.press_sequentially("Elle clignote en rouge", delay=150)
    expect(inbox.locator("#typing-indicator")).to_have_text("The customer is typing…",
                                                            timeout=10_000)
    composer.fill("Je regarde votre box tout de suite.")
    composer.press("Control+Enter")
    reply = log.locator(".outbound")
    expect(reply).to_have_text("ConseillerJe regarde votre box tout de suite.", timeout=20_000)
    expect(widget.get_by_text("Un conseiller écrit…")).to_be_hidden()
    if os.environ.get("ENTRAIDE_SCREENSHOTS"):
        site.screenshot(path=str(SCREENSHOTS / "webchat-widget.png"))

    site.reload()  # the conversation survives: same visitor, history from the hub
    widget = site.get_by_role("region", name="Service client")
    expect(widget.get_by_role("log").locator(".entraide-chat-message")).to_have_count(2)
    expect(widget.get_by_role("log").locator(".outbound")).to_contain_text(
        "Je regarde votre box tout de suite.")
    assert errors == []
    advisor_context.close()
    forged_session_is_refused(site, url)
    visitor_context.close()


def forged_session_is_refused(site: Page, url: str) -> None:
    """(In the same test: one running hub is expensive on a loaded machine.)"""
    answer = site.evaluate("""async () => {
        const response = await fetch("/hooks/webchat/site", {method: "POST",
          headers: {"Content-Type": "application/json", "X-Entraide-Session": "forged.x.y"},
          body: JSON.stringify({id: "m1", body: "hello"})});
        return {status: response.status, body: await response.json()};
    }""")
    assert answer["status"] == 403
    assert "not signed by this hub" in str(answer["body"]["errors"])

    refusals: list[object] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.append, namespace="/visitor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, namespaces=["/visitor"], transports=["websocket"],
                       auth={"account": "site", "session": "forged.x.y"}, wait_timeout=10)
    client.disconnect()
    assert "not signed by this hub" in str(refusals)
