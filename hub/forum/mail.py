"""A small mail port: the forum sends verification links and private-case notices through
it. The development mailer logs the message and keeps it, so a test can read the link;
``SmtpMailer`` delivers through an SMTP server (``FORUM_MAILER=smtp``)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from hub.forum.config import ForumConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


@dataclass
class LogMailer:
    sent: list[Mail] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)
        del self.sent[:-100]  # bounded: a development process runs for days
        log.info("forum mail to %s: %s\n%s", mail.to, mail.subject, mail.body)


@dataclass(frozen=True)
class SmtpMailer:
    """Plain ``smtplib``: one connection per mail, STARTTLS and login when configured.
    A failure is logged and the mail dropped: the forum pages never fail on the mail
    server (the member can ask for a new verification link)."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout: float = 10.0

    def message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.to, mail.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(mail.body)
        return message

    def send(self, mail: Mail) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(self.message(mail))
        except (smtplib.SMTPException, OSError):
            log.exception("forum mail to %s not sent", mail.to)


def mailer_for(config: ForumConfig) -> Mailer:
    if config.FORUM_MAILER == "smtp":
        return SmtpMailer(host=config.FORUM_SMTP_HOST, port=config.FORUM_SMTP_PORT,
                          sender=config.FORUM_SMTP_FROM,
                          starttls=bool(config.FORUM_SMTP_STARTTLS),
                          user=config.FORUM_SMTP_USER, password=config.FORUM_SMTP_PASSWORD)
    if config.FORUM_MAILER != "log":
        raise ValueError(f"FORUM_MAILER must be log or smtp, not {config.FORUM_MAILER!r}")
    return LogMailer()
