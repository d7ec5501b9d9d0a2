"""A mail's attachments: referenced at parse time (``mail-part:<n>``), read by the media
worker from the stored mail itself, never from the web or SMTP request.

``n`` counts the parts :meth:`EmailMessage.iter_attachments` yields (the parts that are not
the text or HTML body), so parse and fetch agree on the same stored bytes. The sender's
file name is kept to show and to name the download, cut to its last path segment and
stripped of control characters; it never becomes a path (files are stored under a
generated key)."""

from __future__ import annotations

import re
import unicodedata
from email.message import EmailMessage

from hub.domain.errors import ProviderError
from hub.domain.messages import AttachmentRef

SCHEME = "mail-part:"
MAX_FILES = 20  # more parts than this in one mail are left in the stored event
MAX_NAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refs(message: EmailMessage) -> tuple[AttachmentRef, ...]:
    found = []
    for index, part in enumerate(message.iter_attachments()):
        if index >= MAX_FILES:
            break
        if part.is_multipart():  # a forwarded mail's own parts: not a file
            continue
        found.append(AttachmentRef(url=f"{SCHEME}{index}", content_type=_type(part),
                                   filename=safe_name(part.get_filename() or "")))
    return tuple(found)


def content(message: EmailMessage, ref: str, max_bytes: int) -> bytes:
    index = _index(ref)
    for number, part in enumerate(message.iter_attachments()):
        if number == index and not part.is_multipart():
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            if len(data) > max_bytes:
                raise ProviderError(f"the attachment is larger than {max_bytes} bytes",
                                    retryable=False)
            return data
    raise ProviderError(f"no attachment {ref} in the stored mail", retryable=False)


def safe_name(name: str) -> str:
    last = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    cleaned = " ".join(_CONTROL.sub("", last).split()).strip(". ")
    return cleaned[:MAX_NAME]


def _type(part: EmailMessage) -> str:
    kind = part.get_content_type()
    return kind if len(kind) <= 120 else "application/octet-stream"


def _index(ref: str) -> int:
    number = ref.removeprefix(SCHEME)
    if not ref.startswith(SCHEME) or not number.isdigit():
        raise ProviderError(f"not an email attachment reference: {ref[:40]}", retryable=False)
    return int(number)
