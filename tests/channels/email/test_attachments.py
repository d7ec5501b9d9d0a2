"""A customer's email attachments are kept: referenced when the mail is parsed, read by the
media worker from the stored mail, served to advisors under the sender's file name."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from channels.email import files
from hub.domain.errors import ProviderError
from hub.timeline.models import Attachment, Interaction
from tests.channels.email.mails import plain
from tests.channels.email.test_outbound import receive
from tests.conftest import run_jobs, with_settings
from tests.workers.helpers import available_advisor

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


@pytest.fixture
def settings(settings):
    return with_settings(settings, MAX_ATTACHMENT_BYTES=50_000)


def with_files(*parts: tuple[bytes, str, str, str]) -> EmailMessage:
    mail = plain("Voici ma facture en pièce jointe.", message_id="<files-1@example.com>")
    for data, maintype, subtype, name in parts:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def test_parts_are_referenced_in_order_with_safe_names():
    mail = with_files((PDF, "application", "pdf", "facture novembre.pdf"),
                      (b"GIF89a", "image", "gif", "../../etc/passwd\x07"))
    refs = files.refs(mail)
    assert [(r.url, r.content_type, r.filename) for r in refs] == [
        ("mail-part:0", "application/pdf", "facture novembre.pdf"),
        ("mail-part:1", "image/gif", "passwd")]
    assert files.content(mail, "mail-part:0", 1_000_000) == PDF
    assert files.refs(plain("no files")) == ()


@pytest.mark.parametrize(("ref", "limit", "reason"), [
    ("mail-part:0", 100, "larger than 100 bytes"),
    ("mail-part:7", 1_000_000, "no attachment mail-part:7"),
    ("https://evil.example/x", 1_000_000, "not an email attachment reference"),
])
def test_a_part_too_big_missing_or_foreign_is_refused_for_good(ref, limit, reason):
    with pytest.raises(ProviderError, match=reason) as caught:
        files.content(with_files((PDF, "application", "pdf", "f.pdf")), ref, limit)
    assert not caught.value.retryable


def test_an_attachment_is_stored_and_served_under_its_name(client, services, db_session):
    token = available_advisor(services).token  # offered the mail: may see its customer
    receive(services, with_files((PDF, "application", "pdf", "facture novembre.pdf")))
    run_jobs(services)  # the media job queued after the intake

    (attachment,) = db_session.scalars(select(Attachment)).all()
    assert (attachment.state, attachment.size, attachment.filename) == (
        "stored", len(PDF), "facture novembre.pdf")
    response = client.get(f"/api/v1/attachments/{attachment.id}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "facture" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_oversized_attachment_fails_and_the_mail_is_kept(services, db_session):
    receive(services, with_files((PDF * 10, "application", "pdf", "big.pdf")))
    run_jobs(services)
    (attachment,) = db_session.scalars(select(Attachment)).all()
    assert attachment.state == "failed"
    assert "larger than 50000 bytes" in attachment.error
    interaction = db_session.get(Interaction, attachment.interaction_id)
    assert interaction.body == "Voici ma facture en pièce jointe."
