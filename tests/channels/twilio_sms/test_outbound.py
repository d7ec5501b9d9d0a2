"""Sending through the real twilio client against the local stand-in; fetching MMS media."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from channels.twilio_sms import TwilioCredentials, TwilioSmsAdapter
from channels.twilio_sms.outbound import fetch_media, send
from hub.domain.errors import ProviderError
from hub.domain.kinds import DeliveryStatus
from hub.domain.messages import OutboundMessage
from hub.domain.ports import ChannelAccount
from tests.standins.twilio import TwilioStandin

SID = "AC" + "7" * 32
TOKEN = "outbound-test-token"
HUB = "+33700000001"
LEA = "+33612345678"
CALLBACK = "https://hub.example.test/hooks/twilio_sms/demo"


@pytest.fixture(scope="module")
def standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(SID, TOKEN) as running:
        yield running


@pytest.fixture
def twilio(standin: TwilioStandin) -> TwilioStandin:
    standin.reset()
    return standin


@pytest.fixture
def credentials(twilio: TwilioStandin) -> TwilioCredentials:
    return TwilioCredentials(SID, TOKEN, api_base_url=twilio.base_url)


def message(
    body: str = "Bonjour Léa, votre box est réparée", to: str = LEA, **changes: object
) -> OutboundMessage:
    return OutboundMessage(
        to=to, body=body, idempotency_key="k1", status_callback_url=CALLBACK, **changes
    )  # type: ignore[arg-type]


# --- send ---------------------------------------------------------------------------------


def test_send_returns_the_sid_twilio_gave(twilio, credentials):
    result = send(message(), credentials, from_=HUB)
    (sent,) = twilio.messages
    assert result.provider_id == sent.sid
    assert result.status is DeliveryStatus.QUEUED
    assert (sent.to, sent.from_, sent.body) == (LEA, HUB, "Bonjour Léa, votre box est réparée")
    assert sent.status_callback == CALLBACK


def test_the_adapter_sends_from_the_account_number(twilio, credentials):
    account = ChannelAccount("twilio_sms", "demo", HUB, credentials)
    result = TwilioSmsAdapter().send(message("Hello"), account)
    assert [(m.sid, m.from_) for m in twilio.messages] == [(result.provider_id, HUB)]


def test_media_urls_are_sent_as_repeated_media_url(twilio, credentials):
    urls = ("https://hub.example.test/files/a.jpg", "https://hub.example.test/files/b.pdf")
    send(message(media_urls=urls), credentials, from_=HUB)
    assert twilio.messages[0].media_urls == list(urls)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retryable(twilio, credentials, status):
    twilio.fail_next(status)
    with pytest.raises(ProviderError) as error:
        send(message(), credentials, from_=HUB)
    assert error.value.retryable is True
    assert error.value.status == status
    assert twilio.messages == []


def test_a_400_is_not_retryable(twilio, credentials):
    twilio.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    with pytest.raises(ProviderError) as error:
        send(message(), credentials, from_=HUB)
    assert (error.value.retryable, error.value.status) == (False, 400)
    assert "21211" in error.value.reason


def test_an_invalid_number_refused_by_twilio_is_not_retryable(twilio, credentials):
    with pytest.raises(ProviderError) as error:
        send(message(to="06 12"), credentials, from_=HUB)
    assert (error.value.retryable, error.value.status) == (False, 400)
    assert twilio.create_attempts == 1


def test_a_wrong_token_is_not_retryable(twilio):
    wrong = TwilioCredentials(SID, "not-the-token", api_base_url=twilio.base_url)
    with pytest.raises(ProviderError) as error:
        send(message(), wrong, from_=HUB)
    assert (error.value.retryable, error.value.status) == (False, 401)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_twilio_unreachable_is_retryable():
    nowhere = TwilioCredentials(SID, TOKEN, api_base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ProviderError) as error:
        send(message(), nowhere, from_=HUB)
    assert error.value.retryable is True
    assert "unreachable" in error.value.reason


# --- media --------------------------------------------------------------------------------


def test_media_is_fetched_from_twilio_with_basic_auth(twilio, credentials):
    url = twilio.add_media(b"\xff\xd8 a photo of the router", "image/jpeg")
    assert fetch_media(url, credentials, max_bytes=1000) == b"\xff\xd8 a photo of the router"
    assert twilio.media_fetches == 1


def test_media_with_the_wrong_token_is_a_provider_error(twilio):
    url = twilio.add_media(b"secret", "image/jpeg")
    wrong = TwilioCredentials(SID, "not-the-token", api_base_url=twilio.base_url)
    with pytest.raises(ProviderError, match="401"):
        fetch_media(url, wrong, max_bytes=1000)
    assert twilio.media_fetches == 0


def test_media_larger_than_the_limit_is_refused(twilio, credentials):
    url = twilio.add_media(b"x" * 5000, "image/png")
    with pytest.raises(ProviderError, match="larger") as error:
        fetch_media(url, credentials, max_bytes=4999)
    assert error.value.retryable is False


@pytest.fixture
def no_requests(monkeypatch) -> list[str]:
    """Record (and refuse) any HTTP request the code under test would make."""
    made: list[str] = []

    def refuse(url: str, *args: object, **kwargs: object) -> None:
        made.append(url)
        raise AssertionError(f"a request was made to {url}")

    monkeypatch.setattr(requests, "get", refuse)
    return made


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:1/private",
        "http://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "https://api.twilio.com@169.254.169.254/latest/meta-data/",
        "https://media.twiliocdn.com.attacker.example/x.jpg",
        "file:///etc/passwd",
    ],
)
def test_media_on_another_host_is_refused_without_any_request(credentials, no_requests, url):
    with pytest.raises(ProviderError, match="refusing") as error:
        fetch_media(url, credentials, max_bytes=1000)
    assert error.value.retryable is False
    assert no_requests == []


class Redirector:
    """A server on the configured API host that answers every request with a redirect."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.hits = 0
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def _app(self, environ, start_response):
        self.hits += 1
        response = Response("", status=302, headers={"Location": self.location})
        return response(environ, start_response)

    def __enter__(self) -> Redirector:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def test_a_redirect_to_another_host_is_not_followed(twilio):
    canary = twilio.add_media(b"should never be fetched", "image/png")
    with Redirector(canary) as redirector:
        credentials = TwilioCredentials(SID, TOKEN, api_base_url=redirector.base_url)
        with pytest.raises(ProviderError, match="refusing"):
            fetch_media(f"{redirector.base_url}/Media/ME1", credentials, max_bytes=1000)
    assert redirector.hits == 1
    assert twilio.media_fetches == 0
