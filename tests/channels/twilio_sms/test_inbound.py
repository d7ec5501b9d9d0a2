"""Twilio messaging webhooks: signature, keys, parsing of SMS, MMS and status callbacks."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest.api.v2010.account.message import MessageInstance

from channels.twilio_sms import TwilioCredentials, TwilioSmsAdapter
from channels.twilio_sms.inbound import MAX_MEDIA
from hub.domain.errors import BadPayload, SignatureRejected
from hub.domain.kinds import DeliveryStatus, IdentityKind
from hub.domain.messages import AttachmentRef, RawRequest
from hub.domain.ports import ChannelAccount
from tests.standins.twilio import SentMessage, inbound_sms_params, status_callback_params

SID = "AC" + "5" * 32
TOKEN = "inbound-test-token"
HUB = "+33700000001"
LEA = "+33612345678"
URL = "https://hub.example.test/hooks/twilio_sms/demo"
ACCOUNT = ChannelAccount("twilio_sms", "demo", HUB, TwilioCredentials(SID, TOKEN))
adapter = TwilioSmsAdapter()


def raw(params: dict[str, str], *, signed_with: str | None = None, url: str = URL) -> RawRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed_with is not None:
        signature = RequestValidator(signed_with).compute_signature(url, params)
        headers["X-Twilio-Signature"] = signature
    return RawRequest("POST", URL, headers, tuple(params.items()), (), b"")


def sms(**changes: str) -> dict[str, str]:
    params = inbound_sms_params(
        from_=LEA,
        to=HUB,
        body="Ma box ne marche plus",
        account_sid=SID,
        message_sid="SM" + "a" * 32,
    )
    params.update(changes)
    return params


def status(value: str, sid: str = "SM" + "b" * 32) -> dict[str, str]:
    message = SentMessage(
        sid=sid, to=LEA, from_=HUB, body="", media_urls=[], status_callback=URL, account_sid=SID
    )
    return status_callback_params(message, value)


# --- signature ----------------------------------------------------------------------------


def test_a_correctly_signed_request_is_verified():
    adapter.verify(raw(sms(), signed_with=TOKEN), ACCOUNT)


@pytest.mark.parametrize(
    "req",
    [
        raw(sms()),
        raw(sms(), signed_with="other-token"),
        raw(sms(), signed_with=TOKEN, url="http://localhost/hooks/twilio_sms/demo"),
    ],
    ids=["unsigned", "wrong-token", "internal-url"],
)
def test_a_request_not_signed_by_twilio_for_this_url_is_rejected(req):
    with pytest.raises(SignatureRejected):
        adapter.verify(req, ACCOUNT)


def test_a_tampered_body_is_rejected():
    signed = raw(sms(), signed_with=TOKEN)
    tampered = RawRequest(
        "POST", URL, signed.headers, tuple(sms(Body="refund me").items()), (), b""
    )
    with pytest.raises(SignatureRejected):
        adapter.verify(tampered, ACCOUNT)


# --- inbound SMS and MMS ------------------------------------------------------------------


def test_an_sms_becomes_one_item_keyed_by_its_message_sid():
    req = raw(sms())
    assert adapter.is_status(req) is False
    assert adapter.event_key(req) == "SM" + "a" * 32
    (item,) = adapter.parse(req, ACCOUNT)
    assert item.provider_id == "SM" + "a" * 32
    assert (item.sender_kind, item.sender_address) == (IdentityKind.PHONE, LEA)
    assert (item.recipient_address, item.body) == (HUB, "Ma box ne marche plus")
    assert item.attachments == ()


def test_an_mms_with_two_media_gives_two_attachment_refs_in_order():
    media = [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
            "application/pdf",
        ),
    ]
    params = inbound_sms_params(from_=LEA, to=HUB, body="", account_sid=SID, media=media)
    (item,) = adapter.parse(raw(params), ACCOUNT)
    assert item.attachments == (AttachmentRef(*media[0]), AttachmentRef(*media[1]))


def test_media_beyond_twilio_s_limit_are_ignored():
    media = [(f"https://api.twilio.com/m/{i}", "image/png") for i in range(MAX_MEDIA + 2)]
    params = inbound_sms_params(from_=LEA, to=HUB, body="", account_sid=SID, media=media)
    (item,) = adapter.parse(raw(params), ACCOUNT)
    assert len(item.attachments) == MAX_MEDIA


@pytest.mark.parametrize("count", ["two", "-1", "1.5", " 1", ""])
def test_a_non_numeric_num_media_is_a_bad_payload(count):
    with pytest.raises(BadPayload, match="NumMedia"):
        adapter.parse(raw(sms(NumMedia=count)), ACCOUNT)


def test_a_superscript_num_media_is_a_bad_payload():
    with pytest.raises(BadPayload):
        adapter.parse(raw(sms(NumMedia="²")), ACCOUNT)


def test_a_message_without_sender_or_sid_is_a_bad_payload():
    with pytest.raises(BadPayload, match="From"):
        adapter.parse(raw(sms(From="")), ACCOUNT)
    params = {k: v for k, v in sms().items() if k not in ("MessageSid", "SmsSid")}
    with pytest.raises(BadPayload, match="MessageSid"):
        adapter.event_key(raw(params))


# --- status callbacks ---------------------------------------------------------------------


def test_a_status_callback_is_a_status_keyed_by_sid_and_status():
    sid = "SM" + "c" * 32
    delivered, sent = raw(status("delivered", sid)), raw(status("sent", sid))
    assert adapter.is_status(delivered) is True
    assert adapter.event_key(delivered) == f"{sid}:delivered"
    assert adapter.event_key(sent) == f"{sid}:sent"
    (update,) = adapter.parse_status(delivered, ACCOUNT)
    assert (update.provider_id, update.status) == (sid, DeliveryStatus.DELIVERED)


def test_a_failed_callback_carries_its_error_code():
    (update,) = adapter.parse_status(raw(status("undelivered")), ACCOUNT)
    assert (update.status, update.error_code) == (DeliveryStatus.UNDELIVERED, "30003")


OUTBOUND_STATUSES = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.SENDING,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


@pytest.mark.parametrize(("twilio_status", "expected"), sorted(OUTBOUND_STATUSES.items()))
def test_every_outbound_twilio_status_maps(twilio_status, expected):
    (update,) = adapter.parse_status(raw(status(twilio_status)), ACCOUNT)
    assert update.status is expected


def sdk_statuses() -> list[str]:
    return sorted(v for k, v in vars(MessageInstance.Status).items() if not k.startswith("_"))


def test_the_sdk_status_list_is_read():
    assert set(OUTBOUND_STATUSES) <= set(sdk_statuses())


def test_every_status_the_twilio_sdk_knows_maps():
    unknown = []
    for value in sdk_statuses():
        try:
            adapter.parse_status(raw(status(value)), ACCOUNT)
        except BadPayload:
            unknown.append(value)
    assert unknown == []


def test_an_unknown_status_is_a_bad_payload():
    with pytest.raises(BadPayload, match="MessageStatus"):
        adapter.parse_status(raw(status("exploded")), ACCOUNT)


def test_ack_is_empty_twiml():
    answer = adapter.ack(raw(sms()))
    assert answer.status == 200
    assert answer.content_type == "text/xml"
    assert "<Response" in answer.body and "<Message" not in answer.body
