"""A bounce (RFC 3464 delivery status notification) moves the reply it reports on to
undelivered; it never opens a conversation with MAILER-DAEMON."""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from channels.email import bounces
from hub.customers.models import Customer
from hub.intake.models import EventState, InboundEvent
from hub.timeline.models import Conversation, Interaction
from tests.channels.email.mails import DOMAIN, plain
from tests.channels.email.test_outbound import (  # noqa: F401 - fixtures
    accept,
    receive,
    relay,
    settings,
)
from tests.conftest import run_jobs
from tests.workers.helpers import available_advisor, count

OURS = f"abc123.reply-7@{DOMAIN}"


def report(*, action: str = "failed", status: str = "5.1.1", original: str = OURS,
           returned: str = "message/rfc822", message_id: str = "<dsn-1@mx.example.com>",
           in_reply_to: str = "") -> bytes:
    if returned == "message/rfc822":
        third = (f"Content-Type: message/rfc822\r\n\r\nMessage-ID: <{original}>\r\n"
                 f"From: support@{DOMAIN}\r\nTo: gone@example.com\r\nSubject: Re: Box\r\n\r\n"
                 "Bonjour, voici la procedure.\r\n")
    else:
        third = (f"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{original}>\r\n"
                 f"From: support@{DOMAIN}\r\nSubject: Re: Box\r\n")
    extra = f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        f"To: support@{DOMAIN}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {message_id}\r\n{extra}MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; gone@example.com\r\nAction: {action}\r\n"
        f"Status: {status}\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        f"--B\r\n{third}--B--\r\n"
    ).encode()


def parsed(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_a_failed_report_is_an_undelivered_update_of_our_message():
    message = parsed(report())
    assert bounces.is_report(message)
    (update,) = bounces.updates(message, domain=DOMAIN)
    assert (update.provider_id, update.status, update.error_code) == (OURS, "undelivered",
                                                                      "5.1.1")


def test_the_original_is_found_in_returned_headers_or_in_reply_to():
    assert bounces.updates(parsed(report(returned="text/rfc822-headers")),
                           domain=DOMAIN)[0].provider_id == OURS
    no_part = report(original="someone@else.example", in_reply_to=f"<{OURS}>")
    assert bounces.updates(parsed(no_part), domain=DOMAIN)[0].provider_id == OURS


def test_a_delay_or_someone_elses_message_changes_nothing():
    assert bounces.updates(parsed(report(action="delayed", status="4.4.7")), domain=DOMAIN) == []
    assert bounces.updates(parsed(report(original="x@other.example")), domain=DOMAIN) == []
    delivered = bounces.updates(parsed(report(action="delivered", status="2.0.0")),
                                domain=DOMAIN)
    assert [u.status for u in delivered] == ["delivered"]


def test_a_customers_mail_is_not_a_report():
    assert not bounces.is_report(plain("Bonjour"))


def test_a_bounce_of_a_reply_marks_it_undelivered_and_opens_nothing(
        client, services, relay, db_session):  # noqa: F811 - fixture
    camille = available_advisor(services)
    receive(services, plain("Ma box", sender="gone@example.com", subject="Box",
                            message_id="<box-9@example.com>"))
    conversation_id = accept(services, camille.user.id)
    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           json={"body": "Voici la procédure."},
                           headers={"Authorization": f"Bearer {camille.token}"})
    assert response.status_code == 201, response.data
    run_jobs(services)
    outbound = db_session.scalar(select(Interaction).where(Interaction.direction == "outbound"))
    assert outbound.status == "sent"
    customers, conversations = count(db_session, Customer), count(db_session, Conversation)

    receive(services, parsed(report(original=outbound.provider_id)))

    db_session.expire_all()
    (event,) = db_session.scalars(select(InboundEvent).where(InboundEvent.is_status)).all()
    assert event.state == EventState.PROCESSED
    outbound = db_session.get(Interaction, outbound.id)
    assert (outbound.status, outbound.error_code) == ("undelivered", "5.1.1")
    assert count(db_session, Customer) == customers
    assert count(db_session, Conversation) == conversations
    assert count(db_session, Interaction) == 2
