"""The Twilio stand-in, exercised with the real ``twilio`` client and RequestValidator."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .twilio import (
    SentMessage,
    TwilioStandin,
    inbound_sms_params,
    sign_and_post,
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f00dcafe" * 4
FROM = "+15005550006"
TO = "+33612345678"


class Receiver:
    """A tiny webhook receiver recording each POST (url, form, headers)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, MultiDict, dict[str, str]]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def _app(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.url, MultiDict(request.form), dict(request.headers)))
        return Response("<Response/>", mimetype="text/xml")(environ, start_response)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(ACCOUNT_SID, AUTH_TOKEN) as running:
        yield running


@pytest.fixture
def client(standin: TwilioStandin) -> Client:
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = standin.base_url  # the documented redirection
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _is_valid(url: str, form: MultiDict, headers: dict[str, str]) -> bool:
    return RequestValidator(AUTH_TOKEN).validate(url, form, headers["X-Twilio-Signature"])


# --- REST API through the real client --------------------------------------------------------


def test_real_client_creates_a_recorded_message(standin: TwilioStandin, client: Client) -> None:
    created = client.messages.create(
        to=TO, from_=FROM, body="Bonjour", status_callback="https://hub.example/twilio/status"
    )

    assert created.sid.startswith("SM") and len(created.sid) == 34
    int(created.sid[2:], 16)
    assert created.status == "queued"
    assert (created.to, created.from_, created.body) == (TO, FROM, "Bonjour")
    assert created.account_sid == ACCOUNT_SID
    assert created.direction == "outbound-api"
    assert created.num_segments == "1"
    assert created.api_version == "2010-04-01"
    assert created.price is None and created.error_code is None
    assert isinstance(created.date_created, datetime)
    assert created.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{created.sid}.json"
    assert standin.messages == [
        SentMessage(
            sid=created.sid,
            to=TO,
            from_=FROM,
            body="Bonjour",
            media_urls=[],
            status_callback="https://hub.example/twilio/status",
            account_sid=ACCOUNT_SID,
            date_created=standin.messages[0].date_created,
            date_updated=standin.messages[0].date_updated,
            params=standin.messages[0].params,
        )
    ]

    fetched = client.messages(created.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.body) == (created.sid, "queued", "Bonjour")


def test_messaging_service_and_repeated_media_urls(standin: TwilioStandin, client: Client) -> None:
    media = ["https://cdn.example/a.jpg", "https://cdn.example/b.png"]
    created = client.messages.create(to=TO, messaging_service_sid="MG" + "1" * 32, media_url=media)

    assert created.status == "accepted"  # Twilio's status when a Messaging Service sends
    assert created.from_ is None and created.num_media == "2"
    (recorded,) = standin.messages
    assert recorded.media_urls == media and recorded.body == ""
    assert recorded.messaging_service_sid == "MG" + "1" * 32


def test_make_client_is_attached(standin: TwilioStandin) -> None:
    created = standin.make_client().messages.create(to=TO, from_=FROM, body="x")
    assert standin.wait_for_messages(1)[0].sid == created.sid


def test_wrong_token_is_a_401(standin: TwilioStandin) -> None:
    client = Client(ACCOUNT_SID, "not-the-token")
    client.api.base_url = standin.base_url

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=TO, from_=FROM, body="x")

    assert caught.value.status == 401 and caught.value.code == 20003
    assert standin.messages == []


def test_missing_fields_answer_twilio_errors(standin: TwilioStandin, client: Client) -> None:
    url = f"{standin.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    missing_to = requests.post(
        url, data={"From": FROM, "Body": "x"}, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5
    )
    assert missing_to.status_code == 400
    assert missing_to.json() == {
        "code": 21604,
        "message": "A 'To' phone number is required.",
        "more_info": "https://www.twilio.com/docs/errors/21604",
        "status": 400,
    }

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=TO, from_=FROM)
    assert (caught.value.status, caught.value.code) == (400, 21602)
    assert standin.messages == []


def test_fail_next_then_success(standin: TwilioStandin, client: Client) -> None:
    standin.fail_next(429)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=TO, from_=FROM, body="retry me")
    assert (caught.value.status, caught.value.code) == (429, 20429)

    assert client.messages.create(to=TO, from_=FROM, body="retry me").status == "queued"
    assert len(standin.messages) == 1 and standin.create_attempts == 2

    standin.fail_next(500, times=2)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to=TO, from_=FROM, body="x")
        assert (caught.value.status, caught.value.code) == (500, 20500)
    client.messages.create(to=TO, from_=FROM, body="x")
    assert len(standin.messages) == 2


def test_delay_next_slows_one_answer(standin: TwilioStandin, client: Client) -> None:
    standin.delay_next(0.3)
    started = time.monotonic()
    client.messages.create(to=TO, from_=FROM, body="slow")
    assert time.monotonic() - started >= 0.3

    started = time.monotonic()
    client.messages.create(to=TO, from_=FROM, body="fast")
    assert time.monotonic() - started < 0.3


# --- media -----------------------------------------------------------------------------------


def test_media_is_served_with_basic_auth_only(standin: TwilioStandin) -> None:
    url = standin.add_media(b"\x89PNG fake", "image/png")
    assert url.startswith(f"{standin.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM")
    assert "/Media/ME" in url

    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, auth=(ACCOUNT_SID, "wrong"), timeout=5).status_code == 401
    assert standin.media_fetches == 0

    fetched = requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == b"\x89PNG fake"
    assert fetched.headers["Content-Type"] == "image/png"
    assert standin.media_fetches == 1


# --- what Twilio sends to the hub ------------------------------------------------------------


def test_sign_and_post_is_accepted_by_request_validator(receiver: Receiver) -> None:
    url = f"{receiver.base_url}/twilio/sms"
    params = inbound_sms_params(from_=TO, to=FROM, body="Allô ?", account_sid=ACCOUNT_SID)

    assert sign_and_post(url, params, AUTH_TOKEN).status_code == 200

    (posted_url, form, headers) = receiver.requests[0]
    assert posted_url == url
    assert form.to_dict() == params
    assert _is_valid(url, form, headers)
    assert not RequestValidator("other-token").validate(url, form, headers["X-Twilio-Signature"])


def test_signature_covers_the_public_url(receiver: Receiver) -> None:
    public_url = "https://entraide.example/twilio/sms?tenant=1"
    local_url = f"{receiver.base_url}/twilio/sms?tenant=1"
    pairs = [("Body", "b"), ("MediaUrl", "https://x/1"), ("MediaUrl", "https://x/0")]

    sign_and_post(public_url, pairs, AUTH_TOKEN, post_url=local_url)

    (posted_url, form, headers) = receiver.requests[0]
    assert posted_url == local_url
    assert form.getlist("MediaUrl") == ["https://x/1", "https://x/0"]
    assert _is_valid(public_url, form, headers)
    assert not _is_valid(local_url, form, headers)


def test_status_callback_is_signed_and_updates_the_message(
    standin: TwilioStandin, client: Client, receiver: Receiver
) -> None:
    callback = f"{receiver.base_url}/twilio/status"
    created = client.messages.create(to=TO, from_=FROM, body="x", status_callback=callback)
    (message,) = standin.messages

    assert standin.send_status_callback(message, "delivered").status_code == 200

    (posted_url, form, headers) = receiver.requests[0]
    assert posted_url == callback
    assert form.to_dict() == {
        "SmsSid": created.sid,
        "SmsStatus": "delivered",
        "MessageStatus": "delivered",
        "To": TO,
        "MessageSid": created.sid,
        "AccountSid": ACCOUNT_SID,
        "From": FROM,
        "ApiVersion": "2010-04-01",
    }
    assert _is_valid(callback, form, headers)
    assert client.messages(created.sid).fetch().status == "delivered"


def test_failed_status_callback_carries_error_code_and_signed_url(
    standin: TwilioStandin, client: Client, receiver: Receiver
) -> None:
    client.messages.create(to=TO, from_=FROM, body="x", status_callback="https://pub.example/s")
    (message,) = standin.messages
    local = f"{receiver.base_url}/s"

    standin.send_status_callback(
        message,
        "undelivered",
        url=local,
        signed_url=message.status_callback,
        extra={"ErrorCode": "30007"},
    )

    (_, form, headers) = receiver.requests[0]
    assert form["MessageStatus"] == "undelivered" and form["ErrorCode"] == "30007"
    assert _is_valid("https://pub.example/s", form, headers)
    assert standin.messages[0].error_code == 30007


def test_status_callback_needs_a_url(standin: TwilioStandin, client: Client) -> None:
    client.messages.create(to=TO, from_=FROM, body="x")
    with pytest.raises(ValueError, match="StatusCallback"):
        standin.send_status_callback(standin.messages[0], "sent")


def test_inbound_sms_and_mms_fields() -> None:
    sms = inbound_sms_params(from_=TO, to=FROM, body="Salut", account_sid=ACCOUNT_SID)
    assert set(sms) == {
        "ToCountry", "ToState", "SmsMessageSid", "NumMedia", "ToCity", "FromZip", "SmsSid",
        "FromState", "SmsStatus", "FromCity", "Body", "FromCountry", "To", "ToZip",
        "NumSegments", "MessageSid", "AccountSid", "From", "ApiVersion",
    }  # fmt: skip
    assert sms["MessageSid"] == sms["SmsSid"] == sms["SmsMessageSid"]
    assert sms["MessageSid"].startswith("SM") and len(sms["MessageSid"]) == 34
    assert (sms["FromCountry"], sms["ToCountry"]) == ("FR", "US")
    assert (sms["NumMedia"], sms["NumSegments"], sms["SmsStatus"]) == ("0", "1", "received")

    media = [("https://m/0", "image/jpeg"), ("https://m/1", "audio/ogg")]
    mms = inbound_sms_params(
        from_=TO,
        to=FROM,
        body="",
        account_sid=ACCOUNT_SID,
        media=media,
        message_sid="MM" + "a" * 32,
    )
    assert mms["MessageSid"] == "MM" + "a" * 32 and mms["NumMedia"] == "2"
    assert (mms["MediaUrl0"], mms["MediaContentType0"]) == ("https://m/0", "image/jpeg")
    assert (mms["MediaUrl1"], mms["MediaContentType1"]) == ("https://m/1", "audio/ogg")
    assert "MessagingServiceSid" not in mms
