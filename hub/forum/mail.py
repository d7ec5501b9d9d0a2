"""A small mail port: the forum sends verification links and private-case notices through
it. The development mailer logs the message and keeps it, so a test can read the link.
With ``FORUM_MAILER=smtp`` the pages use ``QueuedMailer``: the mail becomes an RQ job
(``workers.mail.send_forum_mail``, retried with back-off) and ``SmtpMailer`` delivers it
from a worker, so a slow or unreachable mail server never holds a forum page."""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from rq import Retry

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
    ``deliver`` raises on failure (the worker's job retries); ``send`` logs and drops."""

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

    def deliver(self, mail: Mail) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(self.message(mail))

    def send(self, mail: Mail) -> None:
        try:
            self.deliver(mail)
        except (smtplib.SMTPException, OSError):
            log.exception("forum mail to %s not sent", mail.to)


MAIL_JOB = "workers.mail.send_forum_mail"
MAIL_RETRY = Retry(max=5, interval=[10, 60, 300, 1800, 7200])


@dataclass(frozen=True)
class QueuedMailer:
    """Queues each mail as a job at once (not after commit: it is also called from
    after-commit effects). ``enqueue`` is the composition root's job queue
    (``Effects.enqueue``), looked up when a mail is sent. If Redis is down the mail is
    logged as lost: every forum mail can be asked for again (a new verification link, the
    private case stays readable on the forum)."""

    enqueue: Callable[[], Callable[..., None]]

    def send(self, mail: Mail) -> None:
        self.enqueue()(MAIL_JOB, mail.to, mail.subject, mail.body,
                       job_id="forum-mail-" + secrets.token_hex(8), retry=MAIL_RETRY)


def smtp_mailer(config: ForumConfig) -> SmtpMailer:
    return SmtpMailer(host=config.FORUM_SMTP_HOST, port=config.FORUM_SMTP_PORT,
                      sender=config.FORUM_SMTP_FROM,
                      starttls=bool(config.FORUM_SMTP_STARTTLS),
                      user=config.FORUM_SMTP_USER, password=config.FORUM_SMTP_PASSWORD)


def mailer_for(config: ForumConfig, enqueue: Callable[[], Callable[..., Any]] | None = None,
               ) -> Mailer:
    """The pages' mailer: queued through ``enqueue`` when given, else sent in-process."""
    if config.FORUM_MAILER == "smtp":
        return smtp_mailer(config) if enqueue is None else QueuedMailer(enqueue)
    if config.FORUM_MAILER != "log":
        raise ValueError(f"FORUM_MAILER must be log or smtp, not {config.FORUM_MAILER!r}")
    return LogMailer()
