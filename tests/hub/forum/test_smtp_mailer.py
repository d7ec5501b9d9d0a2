"""The SMTP mailer against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from hub.forum.config import ForumConfig
from hub.forum.mail import LogMailer, Mail, SmtpMailer, mailer_for


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_the_smtp_mailer_delivers(smtp_server):
    controller, inbox = smtp_server
    config = ForumConfig(FORUM_MAILER="smtp", FORUM_SMTP_HOST="127.0.0.1",
                         FORUM_SMTP_PORT=controller.port, FORUM_SMTP_FROM="forum@brand.test")
    mailer = mailer_for(config)
    assert isinstance(mailer, SmtpMailer)
    mailer.send(Mail(to="lea@example.test", subject="Nouveau message privé",
                     body="Lisez ici : https://hub.example.test/forum/messages"))
    envelope = inbox.envelopes[-1]
    assert envelope.mail_from == "forum@brand.test"
    assert envelope.rcpt_tos == ["lea@example.test"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Nouveau message privé"
    assert message["Message-ID"].endswith("@brand.test>")
    assert "forum/messages" in message.get_content()


def test_an_unreachable_server_is_logged_not_raised(caplog):
    mailer = SmtpMailer(host="127.0.0.1", port=_free_port(), sender="forum@brand.test",
                        timeout=1)
    mailer.send(Mail(to="lea@example.test", subject="s", body="b"))
    assert "not sent" in caplog.text


def test_the_setting_chooses_the_mailer():
    assert isinstance(mailer_for(ForumConfig()), LogMailer)
    with pytest.raises(ValueError, match="FORUM_MAILER"):
        mailer_for(ForumConfig(FORUM_MAILER="carrier-pigeon"))
