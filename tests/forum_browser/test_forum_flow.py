"""A member asks (similar solved questions come up first), another replies, the asker
accepts, an advisor certifies; a report is moderated from the queue."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hub.db import transaction
from hub.forum import service
from hub.forum.defaults import ensure_defaults
from hub.forum.models import ForumSuggestionClick
from tests.hub.forum.conftest import PASSWORD, answer, ask, make_member
from tests.personas import PASSWORD as ADVISOR_PASSWORD
from tests.personas import advisor

pytestmark = pytest.mark.browser


def member_sign_in(watched, url: str, email: str) -> None:
    page = watched.page
    page.goto(f"{url}/forum/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _wait_for_click(services, timeout: float = 10) -> ForumSuggestionClick:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with transaction(services.sessions) as session:
            click = session.scalars(select(ForumSuggestionClick)).first()
            if click is not None:
                return click
        time.sleep(0.1)
    raise AssertionError("the suggestion click was not recorded")


def test_ask_with_suggestions_reply_accept_certify(stack, services, open_page) -> None:
    with transaction(services.sessions) as session:
        ensure_defaults(session)
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        advisor(session, email="camille@example.test", name="Camille Martin", queue=False)
        old = ask(session, karim, "Résilier ma box Internet", slug="box-internet")
        service.accept_solution(session, post=answer(session, old, lea, "Par courrier."),
                                member=karim)
        old_id = old.id
    url = stack.settings.PUBLIC_URL
    asker = open_page()
    member_sign_in(asker, url, "lea@example.test")
    page = asker.page
    page.goto(f"{url}/forum/c/box-internet/new")
    page.get_by_label("Titre").press_sequentially("Comment resilier ma box", delay=20)
    suggestion = page.locator("#similar-list a")
    expect(suggestion).to_have_text("Résilier ma box Internet")
    suggestion.click()
    expect(page).to_have_url(f"{url}/forum/t/{old_id}-resilier-ma-box-internet")
    click = _wait_for_click(services)
    assert click.topic_id == old_id and click.query == "Comment resilier ma box"

    page.goto(f"{url}/forum/c/box-internet/new")
    page.get_by_label("Titre").fill("Ma box redémarre toutes les nuits")
    page.get_by_label("Votre question").fill("Depuis la mise à jour, **chaque nuit**.")
    page.get_by_label("Étiquettes (séparées par des virgules)").fill("livebox, wifi")
    page.get_by_role("button", name="Publier ma question").click()
    expect(page.locator("h1")).to_contain_text("Ma box redémarre toutes les nuits")
    topic_url = page.url

    helper = open_page()
    member_sign_in(helper, url, "karim@example.test")
    helper.page.goto(topic_url)
    helper.page.get_by_label("Votre réponse").fill("Désactivez la mise à jour automatique.")
    helper.page.get_by_role("button", name="Répondre").click()
    reply = helper.page.locator(".answers .post").first
    expect(reply).to_contain_text("Désactivez la mise à jour automatique.")

    page.goto(topic_url)
    page.locator(".answers .post").first.get_by_role("button", name="Accepter comme solution"
                                                   ).click()
    expect(page.locator(".answers .post").first.locator(".solution-badge")).to_have_text(
        "Solution acceptée")

    staff = open_page()
    staff.page.goto(f"{url}/login")
    staff.page.get_by_label("Adresse e-mail").fill("camille@example.test")
    staff.page.get_by_label("Mot de passe").fill(ADVISOR_PASSWORD)
    staff.page.get_by_role("button", name="Se connecter").click()
    expect(staff.page).to_have_url(f"{url}/inbox")
    staff.page.goto(topic_url)
    staff.page.locator(".answers .post").first.get_by_role("button", name="Certifier").click()
    expect(staff.page.locator(".answers .post.certified .certified-badge")).to_have_text(
        "Réponse certifiée")
    page.reload()
    expect(page.locator(".answers .post.certified")).to_contain_text("Désactivez")
    for watched in (asker, helper, staff):
        assert watched.dialogs == [] and watched.csp == []


def test_report_and_moderate_from_the_queue(stack, services, open_page) -> None:
    with transaction(services.sessions) as session:
        ensure_defaults(session)
        lea, emma = make_member(session, "Lea"), make_member(session, "Emma")
        make_member(session, "Marie", role="super_user")
        topic = ask(session, lea, "Couverture 5G à Nantes")
        answer(session, topic, emma, "Achetez mes pilules miracles")
        topic_url = f"{stack.settings.PUBLIC_URL}/forum/t/{topic.id}-{topic.slug}"
    url = stack.settings.PUBLIC_URL
    reporter = open_page()
    member_sign_in(reporter, url, "lea@example.test")
    reporter.page.goto(topic_url)
    reporter.page.locator(".answers .post").first.get_by_role("link", name="Signaler").click()
    reporter.page.get_by_label("Spam ou publicité").check()
    reporter.page.get_by_role("button", name="Envoyer le signalement").click()
    expect(reporter.page.locator(".flash")).to_contain_text("Merci")

    moderator = open_page()
    member_sign_in(moderator, url, "marie@example.test")
    moderator.page.get_by_role("link", name="Modération").click()
    item = moderator.page.locator(".report-queue .queue-item")
    expect(item).to_contain_text("Achetez mes pilules miracles")
    expect(item).to_contain_text("Spam ou publicité")
    item.get_by_role("button", name="Masquer").click()
    expect(moderator.page.locator(".report-queue")).to_contain_text("Aucun signalement en cours.")

    reporter.page.goto(topic_url)
    expect(reporter.page.locator(".answers")).not_to_contain_text("pilules")
    assert reporter.dialogs == [] and moderator.dialogs == []
