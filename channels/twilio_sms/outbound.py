"""Sending through Twilio's REST API with the official client; fetching MMS media."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels.twilio_sms.config import TWILIO_API, TwilioCredentials
from channels.twilio_sms.inbound import STATUSES
from hub.domain.errors import ProviderError
from hub.domain.kinds import DeliveryStatus
from hub.domain.messages import OutboundMessage, SendResult

TIMEOUT = 10
MEDIA_HOSTS = ("api.twilio.com", ".twiliocdn.com")


def client_for(credentials: TwilioCredentials) -> Client:
    client = Client(
        credentials.account_sid,
        credentials.auth_token,
        http_client=TwilioHttpClient(timeout=TIMEOUT),
    )
    client.api.base_url = credentials.api_base_url.rstrip("/")
    return client


def send(message: OutboundMessage, credentials: TwilioCredentials, from_: str) -> SendResult:
    options: dict[str, object] = {"to": message.to, "from_": from_, "body": message.body}
    if message.status_callback_url:
        options["status_callback"] = message.status_callback_url
    if message.media_urls:
        options["media_url"] = list(message.media_urls)
    try:
        created = client_for(credentials).messages.create(**options)
    except TwilioRestException as error:
        retryable = error.status == 429 or error.status >= 500
        raise ProviderError(
            f"Twilio refused the message: {error.status} {error.code} {error.msg}",
            retryable=retryable, status=error.status,
        ) from error
    except (TwilioException, requests.RequestException) as error:
        raise ProviderError(f"Twilio unreachable: {error}", retryable=True) from error
    status = STATUSES.get(str(created.status or "queued"), DeliveryStatus.QUEUED)
    return SendResult(provider_id=str(created.sid), status=status)


def fetch_media(url: str, credentials: TwilioCredentials, max_bytes: int) -> bytes:
    """Download MMS media from Twilio's hosts only (no SSRF), following allowed redirects."""
    auth = (credentials.account_sid, credentials.auth_token)
    for _ in range(4):
        _check_host(url, credentials)
        response = requests.get(url, auth=auth, timeout=TIMEOUT, allow_redirects=False,
                                stream=True)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            auth = None  # type: ignore[assignment]  # never send credentials to a CDN
            continue
        if response.status_code != 200:
            raise ProviderError(f"media fetch answered {response.status_code}",
                                retryable=response.status_code >= 500)
        return _read_limited(response, max_bytes)
    raise ProviderError("too many redirects fetching media", retryable=False)


def _check_host(url: str, credentials: TwilioCredentials) -> None:
    parts = urlsplit(url)
    configured = urlsplit(credentials.api_base_url)
    if (parts.scheme, parts.netloc) == (configured.scheme, configured.netloc):
        return
    host = parts.hostname or ""
    allowed = parts.scheme == "https" and (
        host == urlsplit(TWILIO_API).hostname or host.endswith(MEDIA_HOSTS[1])
    )
    if not allowed:
        raise ProviderError(f"refusing to fetch media from {host!r}", retryable=False)


def _read_limited(response: requests.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise ProviderError(f"media larger than {max_bytes} bytes", retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)
