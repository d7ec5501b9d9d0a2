"""Mails as customers' clients write them, and the RawRequest `entraide smtp` stores."""

from __future__ import annotations

from email.message import EmailMessage

from channels.email.config import INGRESS_SIGNATURE, sign
from hub.bootstrap import email_account
from hub.domain.messages import RawRequest
from hub.settings import Settings

ACCOUNT = email_account(Settings())
DOMAIN = ACCOUNT.credentials.domain
SUPPORT = f"support@{DOMAIN}"


def raw_request(raw: bytes, recipient: str = SUPPORT) -> RawRequest:
    return RawRequest(method="SMTP", url=f"smtp://{DOMAIN}/{recipient}",
                      headers={INGRESS_SIGNATURE: sign(ACCOUNT.credentials.ingress_secret, raw)},
                      form=(), query=(), body=raw)


def plain(body: str = "Bonjour, ma box ne marche plus.", *,
          sender: str = "Léa Martin <lea@example.com>",
          subject: str = "Ma box", message_id: str | None = "<first-1@example.com>",
          to: str = SUPPORT, in_reply_to: str = "", references: str = "") -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    if message_id:
        mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    mail.set_content(body)
    return mail


PLAIN = b"""From: =?utf-8?q?L=C3=A9a_Martin?= <Lea@Example.COM>\r
To: support@entraide.invalid\r
Subject: =?utf-8?q?Probl=C3=A8me_de_facture_=C3=A0_r=C3=A9gler?=\r
Message-ID: <CAF1234@mail.example.com>\r
Date: Thu, 26 Nov 2026 10:00:00 +0100\r
MIME-Version: 1.0\r
Content-Type: text/plain; charset="utf-8"\r
Content-Transfer-Encoding: quoted-printable\r
\r
Bonjour,=0D=0Ama facture de novembre est fausse.\r
"""

HTML_ONLY = b"""From: bob@example.com\r
To: support@entraide.invalid\r
Subject: HTML\r
Message-ID: <html-1@example.com>\r
MIME-Version: 1.0\r
Content-Type: text/html; charset="utf-8"\r
\r
<html><head><style>p{color:red}</style></head><body><p>Bonjour <b>&eacute;quipe</b></p>\r
<script>alert("x")</script><img src=x onerror=alert(1)>\r
<p>Merci &amp; &lt;bonne&gt; journ&eacute;e</p></body></html>\r
"""

WITH_ATTACHMENT = b"""From: lea@example.com\r
To: support@entraide.invalid\r
Subject: =?iso-8859-1?b?Q29ubmV4aW9uIGNvdXDpZQ==?=\r
Message-ID: <att-1@example.com>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary="XYZ"\r
\r
--XYZ\r
Content-Type: text/plain; charset="iso-8859-1"\r
Content-Transfer-Encoding: quoted-printable\r
\r
Voici la capture d'=E9cran.\r
--XYZ\r
Content-Type: image/png\r
Content-Disposition: attachment; filename="capture.png"\r
Content-Transfer-Encoding: base64\r
\r
iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r
--XYZ--\r
"""


def alternative(text: str, markup: str, *, message_id: str = "<alt-1@example.com>",
                subject: str = "Ma facture", sender: str = "Léa <lea@example.com>") -> EmailMessage:
    """multipart/alternative: the text part, then the HTML part, as mail clients send."""
    mail = plain(text, message_id=message_id, subject=subject, sender=sender)
    mail.add_alternative(markup, subtype="html")
    return mail


HOSTILE_HTML = (
    '<html><head><title>Titre</title><style>p{color:red}</style>'
    '<script>window.__xss = 1; alert("head")</script></head>'
    '<body onload="window.__xss=2"><p style="color:#c00;background-image:url(https://t.example/bg)"'
    ' onclick="alert(3)">Bonjour <b>l\'équipe</b>, ma facture est <i>fausse</i>.</p>'
    '<img src="x" onerror="window.__xss=4;alert(4)" alt="logo">'
    '<img src="https://tracker.example/pixel.gif" width="1" height="1">'
    '<img src="cid:part1.abc@example.com" alt="capture">'
    '<a href="javascript:alert(5)">clic</a> <a href="https://example.com/aide">aide</a>'
    '<form action="https://evil.example"><input name="p"></form>'
    '<iframe src="https://evil.example"></iframe>'
    '<svg><script>alert(6)</script></svg></body></html>'
)
