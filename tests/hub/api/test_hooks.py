"""The one inbound path: signatures, storage, duplicates, bad input."""

from __future__ import annotations

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from hub.intake.models import InboundEvent
from hub.timeline.models import Interaction
from tests.conftest import HUB_NUMBER, TWILIO_SID, TWILIO_TOKEN, run_jobs
from tests.standins.twilio import inbound_sms_params

HOOK = "/hooks/twilio_sms/demo"
PUBLIC = "https://hub.example.test" + HOOK


def signed(params: dict[str, str], url: str = PUBLIC, token: str = TWILIO_TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def sms(body: str = "Bonjour, ma box ne marche plus", sid: str | None = None) -> dict[str, str]:
    return inbound_sms_params(from_="+33612345678", to=HUB_NUMBER, body=body,
                              account_sid=TWILIO_SID, message_sid=sid)


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_signed_sms_is_stored_acknowledged_with_twiml_and_queued(client, services, db_session):
    params = sms()
    response = client.post(HOOK, data=params, headers=signed(params))
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    assert b"<Response" in response.data
    assert count(db_session, InboundEvent) == 1
    assert services.queue.count == 1


def test_signature_is_checked_against_the_public_url_not_the_internal_one(client, db_session):
    params = sms()
    internal = "http://localhost" + HOOK
    response = client.post(HOOK, data=params, headers=signed(params, url=internal))
    assert response.status_code == 403
    assert count(db_session, InboundEvent) == 0


def test_missing_signature_is_refused_with_a_reason_and_nothing_stored(client, services,
                                                                      db_session):
    response = client.post(HOOK, data=sms())
    assert response.status_code == 403
    assert "missing X-Twilio-Signature" in response.get_json()["errors"]["_"][0]
    assert count(db_session, InboundEvent) == 0
    assert services.queue.count == 0


def test_wrong_secret_and_tampered_body_are_refused(client, db_session):
    params = sms()
    forged = signed(params, token="not-the-token")
    assert client.post(HOOK, data=params, headers=forged).status_code == 403
    tampered = dict(params, Body="Give me a refund")
    assert client.post(HOOK, data=tampered, headers=signed(params)).status_code == 403
    assert client.post(HOOK + "?extra=1", data=params, headers=signed(params)).status_code == 403
    assert count(db_session, InboundEvent) == 0


def test_the_same_webhook_three_times_makes_one_interaction(client, services, db_session):
    params = sms(sid="SM" + "ab" * 16)
    for _ in range(3):
        assert client.post(HOOK, data=params, headers=signed(params)).status_code == 200
    assert count(db_session, InboundEvent) == 1
    run_jobs(services)
    assert count(db_session, Interaction) == 1


def test_malformed_bodies_get_4xx_never_5xx(client, db_session):
    cases = [
        ({}, "MessageSid is missing"),
        ({"Body": "x"}, "MessageSid is missing"),
        ({"MessageSid": "S" * 200, "From": "+33612345678"}, "too long"),
    ]
    for params, reason in cases:
        response = client.post(HOOK, data=params, headers=signed(params))
        assert response.status_code == 400, params
        assert reason in response.get_json()["errors"]["_"][0]
    garbage = b"\xff\xfe%%%&&&===\x00"
    response = client.post(HOOK, data=garbage, content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "abc"})
    assert 400 <= response.status_code < 500
    assert count(db_session, InboundEvent) == 0


def test_unknown_channel_or_account_is_404(client):
    assert client.post("/hooks/nope/demo", data={}).status_code == 404
    assert client.post("/hooks/twilio_sms/other", data={}).status_code == 404


def test_database_down_answers_503_fast_never_200(client, services, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr("hub.api.hooks.store_event", broken)
    params = sms()
    response = client.post(HOOK, data=params, headers=signed(params))
    assert response.status_code == 503
