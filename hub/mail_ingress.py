"""`entraide smtp`: the front door for mail, behind the MX (aiosmtpd).

RCPT TO outside EMAIL_DOMAIN → 550. DATA → the raw message is stored as an inbound event
of the email channel and committed, and only then answered 250; the intake job is queued
after that commit, like the HTTP hooks do. Storage down → 451 (the sending server retries
later), never 250. Larger than MAX_EMAIL_BYTES → 552.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from sqlalchemy.exc import SQLAlchemyError

from channels.email.config import INGRESS_SIGNATURE, sign
from hub.bootstrap import EMAIL_ACCOUNT, Services, build_services
from hub.db import transaction
from hub.domain.errors import BadPayload, UnknownChannel
from hub.domain.messages import RawRequest
from hub.intake.service import store_event
from hub.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "email"


class IngressHandler:
    """aiosmtpd's handler: one instance serves every connection of the process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.account = services.channels.account(CHANNEL, EMAIL_ACCOUNT)
        self.domain = self.account.credentials.domain
        self.max_bytes = services.settings.MAX_EMAIL_BYTES

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if ascii_domain(address.rpartition("@")[2]) != ascii_domain(self.domain):
            log.info("smtp: refused recipient %s", address)
            return f"550 5.7.1 <{address}>: this server accepts mail for {self.domain} only"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        if len(raw) > self.max_bytes:
            return f"552 5.3.4 message larger than {self.max_bytes} bytes"
        try:
            created = await asyncio.to_thread(self.store, raw, envelope.rcpt_tos,
                                              envelope.mail_from or "")
        except SQLAlchemyError:
            log.exception("smtp: storage unavailable")
            return "451 4.3.0 storage unavailable, try again later"
        except (BadPayload, UnknownChannel) as error:
            log.warning("smtp: message refused: %s", error.reason)
            return f"554 5.6.0 {error.reason}"
        if not created:
            log.info("smtp: duplicate message acknowledged")
        return "250 2.0.0 OK: message stored"

    def store(self, raw: bytes, recipients: list[str], mail_from: str) -> bool:
        req = self.raw_request(raw, recipients, mail_from)
        adapter = self.services.channels.adapter(CHANNEL)
        # pure: a mail the worker cannot read is refused now, before it is stored
        is_status = adapter.is_status(req)
        if is_status:
            adapter.parse_status(req, self.account)
        else:
            adapter.parse(req, self.account)
        key = adapter.event_key(req)
        with transaction(self.services.sessions) as session:
            _event_id, created = store_event(session, channel=CHANNEL, account=EMAIL_ACCOUNT,
                                             key=key, is_status=is_status, req=req)
        return created

    def raw_request(self, raw: bytes, recipients: list[str], mail_from: str) -> RawRequest:
        recipient = recipients[0] if recipients else ""
        return RawRequest(
            method="SMTP",
            url=f"smtp://{self.domain}/{quote(recipient, safe='@+')}",
            headers={INGRESS_SIGNATURE: sign(self.account.credentials.ingress_secret, raw),
                     "X-Envelope-From": mail_from[:320],
                     "X-Envelope-To": ", ".join(recipients)[:2000]},
            form=(),
            query=(),
            body=raw,
        )


def ascii_domain(domain: str) -> str:
    """Lower-cased, IDN labels in punycode: ``Café.example`` and ``xn--caf-dma.example`` match."""
    try:
        return domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain.strip().lower()


def controller(services: Services, *, host: str, port: int) -> Controller:
    return Controller(IngressHandler(services), hostname=host, port=port,
                      data_size_limit=services.settings.MAX_EMAIL_BYTES,
                      enable_SMTPUTF8=True, ident="Entraide")


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run until SIGTERM or Ctrl+C."""
    server = controller(build_services(settings), host=host, port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    log.info("smtp: listening on %s:%s for @%s", host, port, settings.EMAIL_DOMAIN)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
