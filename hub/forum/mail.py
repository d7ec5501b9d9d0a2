"""A small mail port: the forum sends verification links through it. The development
mailer logs the message and keeps it, so a test can read the link."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

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
