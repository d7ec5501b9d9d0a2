"""Replies by mail through an SMTP relay (smtplib); logged only when no relay is set."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC
from email.message import EmailMessage
from email.utils import formatdate

from channels.email import threads
from channels.email.config import EmailCredentials
from hub.domain.errors import ProviderError
from hub.domain.kinds import DeliveryStatus
from hub.domain.messages import OutboundMessage, Quote, SendResult

log = logging.getLogger(__name__)
TIMEOUT = 15
MAX_REFERENCES = 10


def render(message: OutboundMessage, credentials: EmailCredentials) -> EmailMessage:
    """The reply: a Message-ID derived from the delivery, so a retried send carries the
    same id, and In-Reply-To / References / Reply-To that thread the customer's answer."""
    token = threads.token_in_key(message.thread_key) or threads.token_of(message.idempotency_key)
    mail = EmailMessage()
    mail["From"] = credentials.from_address
    mail["To"] = message.to
    mail["Subject"] = (" ".join(message.subject.split()) if message.exact_subject
                       else reply_subject(message.subject))
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = threads.outbound_message_id(token, message.idempotency_key,
                                                     credentials.domain)
    mail["Reply-To"] = threads.reply_address(token, credentials.domain)
    if message.in_reply_to and not message.in_reply_to.startswith("sha256:"):
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
        mail["References"] = " ".join(f"<{i}>" for i in references(message))
    mail.set_content(message.body + quoted(message.quote))
    return mail


def references(message: OutboundMessage) -> list[str]:
    """The thread's ids (the first and the latest ones: RFC 5322 §3.6.4 lets a long chain
    be shortened), ending with the message answered."""
    ids = [i for i in message.references
           if i and not i.startswith("sha256:") and i != message.in_reply_to]
    if len(ids) > MAX_REFERENCES - 1:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 2):]
    return [*ids, message.in_reply_to]


def quoted(quote: Quote | None) -> str:
    """The quoted message below the reply: an attribution line, then ``> `` lines."""
    if quote is None or not quote.text.strip():
        return ""
    when = quote.at.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")
    intro = (f"Le {when}, {quote.author} a écrit :" if quote.language.startswith("fr")
             else f"On {when}, {quote.author} wrote:")
    lines = quote.text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n\n" + intro + "\n" + "\n".join(("> " + line).rstrip() for line in lines) + "\n"


def reply_subject(subject: str) -> str:
    text = " ".join(subject.split())
    if not text:  # a first mail to the customer (a reply by email to another channel)
        return ""
    return text if text.lower().startswith("re:") else f"Re: {text}"


def send(message: OutboundMessage, credentials: EmailCredentials, max_length: int) -> SendResult:
    if len(message.body) > max_length:  # the advisor's text; a quote comes on top
        raise ProviderError(f"the reply is longer than {max_length} characters", retryable=False)
    mail = render(message, credentials)
    message_id = str(mail["Message-ID"]).strip("<>")
    if not credentials.smtp_host:
        log.info("email (no EMAIL_SMTP_HOST, not sent) to %s:\n%s", message.to, mail)
        return SendResult(provider_id=message_id, status=DeliveryStatus.SENT)
    try:
        _relay(mail, credentials)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise ProviderError(f"the relay refused the recipient: {error.recipients}",
                            retryable=all(400 <= c < 500 for c in codes)) from error
    except smtplib.SMTPResponseException as error:
        raise ProviderError(f"the relay answered {error.smtp_code} {error.smtp_error!r}",
                            retryable=400 <= error.smtp_code < 500,
                            status=error.smtp_code) from error
    except (smtplib.SMTPException, OSError) as error:
        raise ProviderError(f"the relay is unreachable: {error}", retryable=True) from error
    return SendResult(provider_id=message_id, status=DeliveryStatus.SENT)


def _relay(mail: EmailMessage, credentials: EmailCredentials) -> None:
    with smtplib.SMTP(credentials.smtp_host, credentials.smtp_port, timeout=TIMEOUT) as smtp:
        if credentials.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if credentials.user:
            smtp.login(credentials.user, credentials.password)
        smtp.send_message(mail)
