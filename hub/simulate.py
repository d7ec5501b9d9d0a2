"""`entraide simulate`: act as a customer against a running hub, as the provider would."""

from __future__ import annotations

import secrets
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import click
import requests
from twilio.request_validator import RequestValidator

from hub.settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
def simulate() -> None:
    """Act as a customer against a running hub, signed like the real provider."""


@simulate.command("sms")
@click.option("--from", "from_", required=True, help="The customer's number.")
@click.option("--body", required=True)
@click.option("--to", default=None, help="The hub's number (TWILIO_PHONE_NUMBER).")
@click.option("--account", default=None, help="Account key in the hook URL.")
def simulate_sms(from_: str, body: str, to: str | None, account: str | None) -> None:
    """Send an inbound SMS webhook signed exactly as Twilio signs it."""
    settings = _settings()
    key = account or settings.TWILIO_ACCOUNT_KEY
    url = f"{settings.public_url}/hooks/twilio_sms/{key}"
    sid = "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": body, "FromCountry": "", "To": to or settings.TWILIO_PHONE_NUMBER,
        "ToZip": "", "NumSegments": "1", "MessageSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID, "From": from_, "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                             timeout=10)
    click.echo(f"{response.status_code} {sid}")
    if response.status_code >= 300:
        raise click.ClickException(response.text[:500])


@simulate.command("email")
@click.option("--from", "from_", required=True, help="The customer's address.")
@click.option("--subject", required=True)
@click.option("--body", required=True)
@click.option("--to", default=None, help="Default: EMAIL_FROM.")
@click.option("--in-reply-to", default=None, help="A Message-ID this mail answers.")
@click.option("--port", default=None, type=int,
              help="`entraide smtp`'s port (default: the running demo's, else 2525).")
def simulate_email(from_: str, subject: str, body: str, to: str | None,
                   in_reply_to: str | None, port: int | None) -> None:
    """Send a real mail with smtplib to `entraide smtp` on 127.0.0.1."""
    settings = _settings()
    port_file = settings.data_path / "smtp.port"
    port = port or (int(port_file.read_text()) if port_file.exists() else 2525)
    mail = EmailMessage()
    mail["From"], mail["To"] = from_, to or settings.EMAIL_FROM
    mail["Subject"], mail["Message-ID"] = subject, make_msgid(domain="customer.invalid")
    if in_reply_to:
        mail["In-Reply-To"] = mail["References"] = f"<{in_reply_to.strip('<>')}>"
    mail.set_content(body)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(mail)
    except (smtplib.SMTPException, OSError) as error:
        raise click.ClickException(f"127.0.0.1:{port} refused the mail: {error}") from None
    click.echo(f"250 {mail['Message-ID']}")


@simulate.command("chat")
@click.option("--from", "from_", required=True, help="The visitor's id, e.g. visitor-42.")
@click.option("--body", required=True)
@click.option("--name", default="", help="The name the visitor gave.")
def simulate_chat(from_: str, body: str, name: str) -> None:
    """Send a chat message through the console channel (a chat-kind channel of the demo),
    signed with its HMAC like a provider hook."""
    import json  # noqa: PLC0415

    from channels.console import sign  # noqa: PLC0415
    from hub.bootstrap import console_account  # noqa: PLC0415

    settings = _settings()
    account = console_account(settings)
    payload = json.dumps({"id": "chat-" + secrets.token_hex(8), "from": from_, "body": body,
                          "name": name}).encode()
    response = requests.post(f"{settings.public_url}/hooks/console/{account.key}",
                             data=payload, timeout=10,
                             headers={"Content-Type": "application/json",
                                      "X-Console-Signature": sign(str(account.credentials),
                                                                  payload)})
    click.echo(str(response.status_code))
    if response.status_code >= 300:
        raise click.ClickException(response.text[:500])
