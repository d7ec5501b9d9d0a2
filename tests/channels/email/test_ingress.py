"""`entraide smtp` on 127.0.0.1: a real mail sent with smtplib is stored, committed, then
answered 250; wrong domain 550; storage down 451; too big 552."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

import hub.mail_ingress
from hub.intake.models import EventState, InboundEvent
from hub.timeline.models import Conversation, Interaction
from tests.channels.email.mails import plain
from tests.conftest import run_jobs, with_settings
from tests.support.processes import free_port
from tests.workers.helpers import count

SUPPORT = "support@entraide.invalid"


@pytest.fixture
def smtp_port(services) -> Iterator[int]:
    port = free_port()
    server = hub.mail_ingress.controller(services, host="127.0.0.1", port=port)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def send(port: int, mail, to: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.send_message(mail, to_addrs=to)


def test_a_mail_becomes_one_stored_event_then_one_interaction(smtp_port, services, db_session):
    send(smtp_port, plain("Ma box clignote", message_id="<box-1@example.com>"))

    (event,) = db_session.query(InboundEvent).all()
    assert (event.channel, event.account, event.method) == ("email", "default", "SMTP")
    assert event.external_id == "box-1@example.com"
    assert event.url == f"smtp://entraide.invalid/{SUPPORT}"
    assert b"Ma box clignote" in event.body
    run_jobs(services)
    db_session.expire_all()
    assert db_session.get(InboundEvent, event.id).state == EventState.PROCESSED
    (interaction,) = db_session.query(Interaction).all()
    assert interaction.body == "Ma box clignote"
    assert interaction.conversation.subject == "Ma box"
    assert interaction.conversation.customer_address == "lea@example.com"


def test_the_same_mail_twice_is_one_interaction(smtp_port, services, db_session):
    mail = plain("Deux fois", message_id="<twice@example.com>")
    send(smtp_port, mail)
    send(smtp_port, mail)
    run_jobs(services)
    assert count(db_session, InboundEvent) == 1
    assert count(db_session, Interaction) == 1


def test_a_reply_lands_in_the_same_conversation(smtp_port, services, db_session):
    send(smtp_port, plain("Premier", message_id="<root@example.com>"))
    send(smtp_port, plain("Suite", message_id="<next@example.com>", subject="Re: Ma box",
                          in_reply_to="<root@example.com>", references="<root@example.com>"))
    run_jobs(services)
    assert count(db_session, Interaction) == 2
    assert count(db_session, Conversation) == 1


def test_a_recipient_of_another_domain_is_refused_with_550(smtp_port, db_session):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_port, plain(to="someone@elsewhere.example"))
    code, reason = refused.value.recipients["someone@elsewhere.example"]
    assert code == 550
    assert b"entraide.invalid only" in reason
    assert count(db_session, InboundEvent) == 0


def test_storage_down_is_a_temporary_451_never_250(smtp_port, services, db_session,
                                                  monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(hub.mail_ingress, "store_event", unavailable)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_port, plain())
    assert refused.value.smtp_code == 451
    monkeypatch.undo()
    assert count(db_session, InboundEvent) == 0


def test_a_message_over_max_email_bytes_is_refused_with_552(services, settings, db_session):
    small = with_settings(settings, MAX_EMAIL_BYTES=2000)
    services.settings = small
    port = free_port()
    server = hub.mail_ingress.controller(services, host="127.0.0.1", port=port)
    server.start()
    try:
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            send(port, plain("x" * 5000))
    finally:
        server.stop()
    assert refused.value.smtp_code == 552
    assert count(db_session, InboundEvent) == 0


def test_a_mail_without_a_sender_address_is_refused_with_554(smtp_port, db_session):
    mail = plain()
    mail.replace_header("From", "undisclosed")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_port, mail, to=[SUPPORT])
    assert refused.value.smtp_code == 554
    assert b"From has no address" in refused.value.smtp_error
    assert count(db_session, InboundEvent) == 0


def test_recipient_domains_match_in_unicode_or_punycode():
    assert hub.mail_ingress.ascii_domain("Café.Example.") == "xn--caf-dma.example"
    assert hub.mail_ingress.ascii_domain("xn--caf-dma.example") == "xn--caf-dma.example"


def test_the_http_hook_refuses_mail_and_stores_nothing(client, db_session):
    response = client.post("/hooks/email/default", data=plain().as_bytes(),
                           headers={"Content-Type": "message/rfc822"})
    assert response.status_code == 403
    assert response.get_json()["errors"] == {
        "_": ["mail is accepted only through `entraide smtp`"]}
    assert count(db_session, InboundEvent) == 0
