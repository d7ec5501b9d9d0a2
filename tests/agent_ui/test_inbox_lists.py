"""The inbox's lists, offers and actions in headless Chromium, against the running hub:
offers pushed by the worker, accept by key, tag, hold, close with a wrap-up code, reopen,
transfer; the collision warning; a call's screen pop; lists, filters and counts; FR/EN;
no offer lost to a network cut or a web-process restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hub.auth.models import Role
from hub.customers.models import Customer
from hub.db import transaction
from hub.settings import Settings
from tests.agent_ui.test_inbox_browser import log_in, send_sms, signed_in
from tests.conftest import with_settings
from tests.hub.routing.builders import work
from tests.personas import PASSWORD, advisor, demo_customers
from tests.support.processes import free_port, wait_http
from tests.support.stack import Stack

pytestmark = pytest.mark.browser


@pytest.fixture
def stack(services, settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    """The hub with offers that wait long enough to outlive a web-process restart."""
    running = Stack(with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{free_port()}",
                                  OFFER_TIMEOUT_SECONDS=120), tmp_path).start()
    try:
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()


def log_in_en(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/inbox")


def lea(session) -> Customer:
    return session.scalar(select(Customer).where(Customer.display_name == "Léa Dubois"))


def test_offer_accept_by_key_tag_hold_close_reopen_transfer(stack: Stack, browser: Browser,
                                                            services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test")
    context, page = signed_in(browser, stack, "camille@example.test")
    expect(page.locator("#my-load")).to_contain_text("Charge")

    send_sms(stack, "Bonjour, ma facture est fausse")
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Léa Dubois", timeout=15_000)
    expect(offer).to_contain_text("ma facture est fausse")
    expect(offer.locator(".countdown")).to_contain_text("Reproposé dans")
    expect(offer).to_contain_text("attend depuis")
    page.locator("body").press("a")
    expect(offer).to_have_count(0)
    row = page.locator("#work-list .work-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Léa Dubois")
    expect(page.locator('[data-count="mine"]')).to_have_text("(1)")
    actions = page.locator("#work-actions")
    expect(actions).to_be_visible()

    actions.get_by_label("Étiquettes (séparées par des virgules)").fill("facture, rappel")
    actions.get_by_role("button", name="Enregistrer les étiquettes").click()
    expect(row.locator(".tags")).to_have_text("#facture #rappel")
    actions.get_by_role("button", name="Mettre en attente").click()
    expect(row).to_contain_text("En attente")
    actions.get_by_role("button", name="Reprendre").click()
    expect(actions.get_by_role("button", name="Mettre en attente")).to_be_visible()

    actions.locator("#close-box summary").click()
    actions.get_by_label("Code de clôture").select_option("resolved")
    actions.get_by_label("Note de clôture").fill("Avoir envoyé")
    actions.locator("#close-form").get_by_role("button", name="Clôturer").click()
    expect(row).to_have_count(0)
    expect(page.locator('[data-count="mine"]')).to_have_text("(0)")

    page.get_by_label("Statut").select_option("closed")
    expect(row).to_have_count(1)
    row.click()
    actions.get_by_role("button", name="Rouvrir").click()
    expect(offer).to_contain_text("Léa Dubois", timeout=15_000)  # offered again: continuity
    offer.get_by_role("button", name="Accepter").click()
    page.get_by_label("Statut").select_option("open")
    expect(row).to_have_count(1)

    page.locator("body").press("t")
    actions.get_by_label("Vers").select_option(label="English")
    actions.get_by_label("Note pour le collègue").fill("Client anglophone")
    actions.locator("#transfer-form").get_by_role("button", name="Transférer").click()
    expect(row).to_have_count(0)
    expect(actions.locator("#action-status")).to_have_text("Fait.")
    context.close()


def test_two_advisors_see_the_collision_warning(stack: Stack, browser: Browser,
                                                services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test", name="Camille")
        advisor(session, email="sophie@example.test", name="Sophie", role=Role.SUPERVISOR,
                queue=False)
    camille_context, camille = signed_in(browser, stack, "camille@example.test")
    send_sms(stack, "Ma box ne marche plus")
    expect(camille.locator(".offer")).to_contain_text("Léa Dubois", timeout=15_000)
    camille.locator(".offer").get_by_role("button", name="Accepter").click()
    expect(camille.locator("#work-list .work-row")).to_have_count(1)

    sophie_context, sophie = signed_in(browser, stack, "sophie@example.test")
    sophie.get_by_role("tab", name="Tous les ouverts").click()
    expect(sophie.locator('[data-count="all"]')).to_have_text("(1)")
    row = sophie.locator("#work-list .work-row")
    expect(row).to_contain_text("Camille")
    row.focus()
    sophie.keyboard.press("Enter")
    expect(camille.locator("#collision")).to_contain_text("Sophie")
    expect(camille.locator("#work-list .work-row .viewers")).to_contain_text("Sophie")
    camille.locator("#work-list .work-row").click()
    expect(sophie.locator("#collision")).to_contain_text("Camille")
    expect(camille.locator("#collision")).to_contain_text("Sophie")
    sophie_context.close()
    expect(camille.locator("#collision")).to_be_hidden(timeout=15_000)
    camille_context.close()


def test_lists_filter_search_and_count(stack: Stack, browser: Browser, services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="sophie@example.test", name="Sophie", role=Role.SUPERVISOR,
                queue=False)
        karim = session.scalar(select(Customer).where(Customer.display_name.like("Karim%")))
        work(session, services.routing, text="Mon colis", kind="email", channel="smtp", who=karim)
        work(session, services.routing, text="Ma facture", kind="sms",
             who=lea(session))
    context, page = signed_in(browser, stack, "sophie@example.test")
    page.locator("body").press("3")
    rows = page.locator("#work-list .work-row")
    expect(rows).to_have_count(2)
    expect(page.locator('[data-count="all"]')).to_have_text("(2)")
    page.get_by_label("Canal").select_option("email")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Mon colis")
    expect(page.locator('[data-count="all"]')).to_have_text("(1)")
    page.get_by_label("Canal").select_option("")
    page.locator("body").press("/")
    page.keyboard.type("dubois")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Léa Dubois")
    page.get_by_label("Recherche").fill("")
    expect(rows).to_have_count(2)
    page.locator("#work-list").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    page.locator("body").press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Raccourcis clavier")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    chime = page.request.get(f"{stack.settings.PUBLIC_URL}/static/ui/sounds/offer.wav")
    assert chime.ok and chime.body()[:4] == b"RIFF"
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_a_call_pops_the_caller_record_before_it_is_accepted(stack: Stack, browser: Browser,
                                                               services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test")
    context, page = signed_in(browser, stack, "camille@example.test")
    page.evaluate("""() => { window.popped = []; document.addEventListener(
        'entraide:open-customer', (e) => window.popped.push(e.detail.customerId)); }""")
    with transaction(services.sessions) as session:
        work(session, services.routing, text="(appel entrant)", kind="phone",
             channel="twilio_voice", who=lea(session))
    offer = page.locator(".offer.call")
    expect(offer).to_contain_text("Fiche de l'appelant", timeout=15_000)
    expect(offer.locator(".identity").first).to_contain_text("+33612345678")
    # the customer panel has opened the caller's record, still before pick-up
    expect(page.locator("#customer-card")).to_contain_text("Léa", timeout=10_000)
    with services.sessions() as session:
        assert page.evaluate("window.popped") == [lea(session).id]
    page.locator("body").press("d")
    expect(offer).to_have_count(0)
    context.close()


def test_an_english_advisor_gets_the_inbox_in_english(stack: Stack, browser: Browser,
                                                      services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)  # and the "English" queue, which Alex is not in
        advisor(session, email="alex@example.test", name="Alex", language="en")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    log_in(page, stack.settings.PUBLIC_URL, "alex@example.test")  # the form is French
    expect(page.get_by_role("tab", name="Mine")).to_be_visible()
    expect(page.get_by_role("tab", name="My queues")).to_be_visible()
    expect(page.get_by_role("tab", name="All open")).to_have_count(0)  # not a supervisor
    expect(page.locator("#connection")).to_have_text("Connected")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("tab", name="My queues").click()
    page.get_by_label("Queue").select_option(label="English")
    expect(page.locator("#list-status")).to_have_text(
        "The list could not be loaded. you are not a member of that queue")
    context.close()


def test_no_offer_is_lost_to_a_network_cut_or_a_web_restart(stack: Stack, browser: Browser,
                                                            services) -> None:
    with transaction(services.sessions) as session:
        demo_customers(session)
        advisor(session, email="camille@example.test")
    context, page = signed_in(browser, stack, "camille@example.test")
    context.set_offline(True)
    expect(page.locator("#connection")).to_have_text("Reconnexion…", timeout=30_000)
    with transaction(services.sessions) as session:
        work(session, services.routing, text="Pendant la coupure réseau",
             who=lea(session))
    context.set_offline(False)
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Pendant la coupure réseau", timeout=30_000)
    expect(page.locator("#connection")).to_contain_text("Reconnecté")
    offer.get_by_role("button", name="Refuser").click()
    expect(offer).to_have_count(0)

    stack.web.stop()
    expect(page.locator("#connection")).to_have_text("Reconnexion…", timeout=30_000)
    with transaction(services.sessions) as session:
        work(session, services.routing, text="Pendant le redémarrage",
             who=lea(session))
    stack.web.start()
    wait_http(stack.settings.PUBLIC_URL + "/api/v1/health", process=stack.web)
    expect(offer).to_contain_text("Pendant le redémarrage", timeout=30_000)
    expect(page.locator("#connection")).to_contain_text("Reconnecté")
    context.close()
