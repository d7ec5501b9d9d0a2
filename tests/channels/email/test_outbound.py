"""An advisor's reply on an email conversation goes out through a real SMTP relay (aiosmtpd
on 127.0.0.1) with the right To, Subject and In-Reply-To, and the delivery becomes sent."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import hub.mail_ingress
from channels.email import threads
from hub.auth.models import User
from hub.db import transaction
from hub.replies.models import Delivery, DeliveryState
from hub.routing.models import Offer, OfferState
from hub.routing.service import accept_offer
from hub.timeline.models import Interaction
from tests.channels.email.mails import plain
from tests.conftest import run_jobs, with_settings
from tests.support.processes import free_port
from tests.workers.helpers import available_advisor, count


class Relay:
    """Records what it is given, as a relay that accepted it would."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        return "250 2.0.0 OK"


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(settings, relay):
    relay[0].received.clear()
    return with_settings(settings, EMAIL_SMTP_HOST="127.0.0.1", EMAIL_SMTP_PORT=relay[1],
                         EMAIL_SMTP_STARTTLS=False)


def receive(services, mail) -> None:
    port = free_port()
    server = hub.mail_ingress.controller(services, host="127.0.0.1", port=port)
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(mail)
    finally:
        server.stop()
    run_jobs(services)


def accept(services, user_id: int) -> int:
    with transaction(services.sessions) as session:
        offer = session.scalar(select(Offer).where(Offer.state == OfferState.PENDING))
        assert offer is not None and offer.user_id == user_id
        item = accept_offer(session, ctx=services.routing, offer_id=offer.id,
                            user=session.get(User, user_id))
        return item.conversation_id


def test_an_advisor_reply_reaches_the_relay_threaded(client, services, relay, db_session):
    camille = available_advisor(services)
    receive(services, plain("Ma facture est fausse", sender="Léa <Lea@Example.com>",
                            subject="Facture de novembre", message_id="<inv-1@example.com>"))
    conversation_id = accept(services, camille.user.id)

    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           json={"body": "Bonjour Léa, je corrige votre facture."},
                           headers={"Authorization": f"Bearer {camille.token}"})
    assert response.status_code == 201, response.data
    run_jobs(services)

    ((mail_from, rcpt_tos, raw),) = relay[0].received
    assert (mail_from, rcpt_tos) == ("support@entraide.invalid", ["lea@example.com"])
    sent = message_from_bytes(raw, policy=policy.default)
    assert sent["To"] == "lea@example.com"
    assert sent["Subject"] == "Re: Facture de novembre"
    assert sent["In-Reply-To"] == "<inv-1@example.com>"
    assert sent.get_content().strip() == "Bonjour Léa, je corrige votre facture."
    (delivery,) = db_session.scalars(select(Delivery)).all()
    assert delivery.state == DeliveryState.SENT
    outbound = db_session.get(Interaction, delivery.interaction_id)
    assert outbound.status == "sent"
    assert f"<{outbound.provider_id}>" == str(sent["Message-ID"])

    # Léa answers our reply: it joins the same conversation.
    receive(services, plain("Merci !", sender="lea@example.com", subject="Re: Facture",
                            message_id="<inv-2@example.com>",
                            in_reply_to=str(sent["Message-ID"])))
    db_session.expire_all()
    conversations = {i.conversation_id for i in db_session.scalars(select(Interaction))}
    assert conversations == {conversation_id}
    assert count(db_session, Interaction) == 3
    token = threads.token_in_key(outbound.conversation.thread_key)
    assert sent["Reply-To"] == f"reply+{token}@entraide.invalid"


def test_a_relay_refusal_fails_the_delivery_for_good(client, services, relay, db_session,
                                                     monkeypatch):
    async def refuse(server, session, envelope) -> str:
        return "554 5.7.1 rejected"

    monkeypatch.setattr(relay[0], "handle_DATA", refuse)
    camille = available_advisor(services)
    receive(services, plain("Bonjour", message_id="<r-1@example.com>"))
    conversation_id = accept(services, camille.user.id)
    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           json={"body": "Réponse"},
                           headers={"Authorization": f"Bearer {camille.token}"})
    assert response.status_code == 201, response.data
    run_jobs(services)
    delivery = db_session.scalars(select(Delivery)).one()
    assert delivery.state == DeliveryState.FAILED
    assert "554" in delivery.last_error


def test_a_reply_with_the_advisors_subject_and_the_quoted_message(client, services, relay,
                                                                 db_session):
    camille = available_advisor(services)
    receive(services, plain("Ma facture est fausse.\nMerci.", sender="Léa <lea@example.com>",
                            subject="Facture", message_id="<q-1@example.com>"))
    conversation_id = accept(services, camille.user.id)
    (first,) = db_session.scalars(select(Interaction)).all()
    headers = {"Authorization": f"Bearer {camille.token}"}
    url = f"/api/v1/conversations/{conversation_id}/replies"

    response = client.post(url, json={"body": "Je la corrige.", "subject": "Votre facture",
                                      "quote_id": first.id}, headers=headers)
    assert response.status_code == 201, response.data
    assert response.get_json()["body"] == "Je la corrige."  # the timeline keeps the reply only
    run_jobs(services)
    sent = message_from_bytes(relay[0].received[-1][2], policy=policy.default)
    assert sent["Subject"] == "Votre facture"
    assert sent["In-Reply-To"] == "<q-1@example.com>"
    text = sent.get_content().replace("\r\n", "\n")
    assert text.startswith("Je la corrige.\n\nOn ")
    assert "Léa <lea@example.com> wrote:\n> Ma facture est fausse.\n> Merci.\n" in text

    # Léa answers; the next reply quotes nothing, keeps "Re:", and references the thread
    receive(services, plain("Merci !", sender="lea@example.com", subject="Re: Votre facture",
                            message_id="<q-2@example.com>", in_reply_to=str(sent["Message-ID"])))
    assert client.post(url, json={"body": "Avec plaisir."}, headers=headers).status_code == 201
    run_jobs(services)
    second = message_from_bytes(relay[0].received[-1][2], policy=policy.default)
    assert second["Subject"] == "Re: Facture"
    assert second["In-Reply-To"] == "<q-2@example.com>"
    assert second["References"] == f"<q-1@example.com> {sent['Message-ID']} <q-2@example.com>"
    assert second.get_content().strip() == "Avec plaisir."


def test_a_quote_from_another_conversation_or_on_sms_is_a_422(client, services, relay,
                                                              db_session):
    camille = available_advisor(services)
    receive(services, plain("Premier", message_id="<x-1@example.com>",
                            sender="lea@example.com"))
    conversation_id = accept(services, camille.user.id)
    headers = {"Authorization": f"Bearer {camille.token}"}
    url = f"/api/v1/conversations/{conversation_id}/replies"
    for body, field in (({"body": "x", "quote_id": 999999}, "quote_id"),
                        ({"body": "x", "quote_id": "1"}, "quote_id"),
                        ({"body": "x", "subject": ""}, "subject"),
                        ({"body": "x", "subject": "s" * 301}, "subject")):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in str(response.get_json()["errors"])
    assert relay[0].received == []
