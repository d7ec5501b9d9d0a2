"""Inbound mail as `entraide smtp` stored it: the raw RFC 822 bytes, parsed here (pure)."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import nh3

from channels.email import files, threads
from channels.email.config import INGRESS_SIGNATURE, EmailCredentials, sign
from channels.email.markup import sanitize
from hub.domain.addresses import normalize_email
from hub.domain.errors import BadPayload, SignatureRejected
from hub.domain.kinds import IdentityKind
from hub.domain.messages import InboundItem, RawRequest

MAX_ID = 200  # inbound_events.external_id
MAX_SUBJECT = 300  # conversations.subject
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|blockquote)\s*>")
_BLANK_LINES = re.compile(r"\n{3,}")


def verify(req: RawRequest, credentials: EmailCredentials) -> None:
    """Only `entraide smtp` stores mail: method SMTP, signed with the ingress secret."""
    if req.method != "SMTP":
        raise SignatureRejected("mail is accepted only through `entraide smtp`")
    given = req.header(INGRESS_SIGNATURE)
    if not given:
        raise SignatureRejected(f"missing {INGRESS_SIGNATURE} header")
    if not hmac.compare_digest(given, sign(credentials.ingress_secret, req.body)):
        raise SignatureRejected(f"{INGRESS_SIGNATURE} does not match the message")


def message_of(req: RawRequest) -> EmailMessage:
    if not req.body.strip():
        raise BadPayload("the message is empty")
    message = message_from_bytes(req.body, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def event_key(req: RawRequest) -> str:
    """The Message-ID; a SHA-256 of the bytes when it is missing or unusable."""
    message_id = own_id(message_of(req))
    return message_id or "sha256:" + hashlib.sha256(req.body).hexdigest()


def own_id(message: EmailMessage) -> str:
    ids = threads.message_ids(_header(message, "Message-ID"))
    return ids[0] if ids and len(ids[0]) <= MAX_ID else ""


def parse(req: RawRequest, credentials: EmailCredentials) -> list[InboundItem]:
    message = message_of(req)
    name, address = _sender(message)
    key = event_key(req)
    referenced = (threads.message_ids(_header(message, "References"))
                  or threads.message_ids(_header(message, "In-Reply-To")))
    token = threads.find_token(recipients=_recipients(req, message), referenced=referenced,
                                 own_id=own_id(message) or key, domain=credentials.domain)
    return [InboundItem(
        provider_id=key,
        sender_kind=IdentityKind.EMAIL,
        sender_address=address,
        sender_name=name,
        recipient_address=_envelope_recipient(req),
        body=text_of(message),
        subject=_header(message, "Subject")[:MAX_SUBJECT],
        thread_key=threads.thread_key(token, address),
        html=html_of(message),
        attachments=files.refs(message),
    )]


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header the parser trips on
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ())
    except (ValueError, IndexError, TypeError):
        addresses = ()
    if not addresses or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise BadPayload("From has no address")
    first = addresses[0]
    return first.display_name.strip(), normalize_email(first.addr_spec).value


def _recipients(req: RawRequest, message: EmailMessage) -> list[str]:
    found = [_envelope_recipient(req)]
    for name in ("To", "Cc", "Delivered-To"):
        try:
            header = message.get(name)
            found += [a.addr_spec for a in getattr(header, "addresses", ())]
        except (ValueError, IndexError, TypeError):
            continue
    return [address for address in found if address]


def _envelope_recipient(req: RawRequest) -> str:
    """The url is ``smtp://<domain>/<recipient>`` (see hub/mail_ingress.py)."""
    return unquote(urlsplit(req.url).path.lstrip("/"))


def text_of(message: EmailMessage) -> str:
    """The text/plain part; else the HTML part as text, cleaned by nh3 (never raw HTML)."""
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return _content(part).replace("\r\n", "\n").replace("\r", "\n").strip()
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(_content(part))
    return ""


def html_of(message: EmailMessage) -> str:
    """The text/html part, sanitized (channels/email/markup.py); "" when there is none."""
    part = message.get_body(preferencelist=("html",))
    return sanitize(_content(part)) if part is not None else ""


def html_to_text(markup: str) -> str:
    marked = _BLOCK_END.sub("\n", markup.replace("\r\n", "\n"))
    cleaned = nh3.clean(marked, tags=set(), attributes={}, strip_comments=True)
    lines = (" ".join(line.split()) for line in html.unescape(cleaned).splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: decode leniently
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""
