"""The web-chat adapter: visitor sessions (verify), message keys and parsing, and the push
of a reply to the visitor's room (send)."""

from __future__ import annotations

import json
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from channels.webchat import WebchatAdapter, WebchatCredentials
from channels.webchat.session import SALT
from hub.domain.errors import BadPayload, ProviderError, SignatureRejected
from hub.domain.kinds import DeliveryStatus, IdentityKind
from hub.domain.messages import OutboundMessage, RawRequest
from hub.domain.ports import VISITOR_SESSION_HEADER, ChannelAccount, VisitorSessions

adapter = WebchatAdapter()
VISITOR = "v1sitor-Lea_0001"
pushed: list[tuple[str, str, dict]] = []
CREDENTIALS = WebchatCredentials(secret="s" * 64, session_max_age=3600,
                                 push=lambda room, event, data: pushed.append((room, event, data)))
SITE = ChannelAccount("webchat", "site", "site", CREDENTIALS)
SHOP = ChannelAccount("webchat", "shop", "shop", CREDENTIALS)


def post(body: object, session: str | None) -> RawRequest:
    headers = {"Content-Type": "application/json"}
    if session is not None:
        headers[VISITOR_SESSION_HEADER] = session
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawRequest("POST", "https://hub.example.test/hooks/webchat/site", headers, (), (),
                      raw)


def session_for(visitor: str = VISITOR, account: ChannelAccount = SITE) -> str:
    return adapter.issue_session(account, visitor)


# --- verify: the visitor session the hub issued ----------------------------------------------


def test_the_adapter_issues_and_checks_visitor_sessions():
    assert isinstance(adapter, VisitorSessions)
    token = session_for()
    assert adapter.visitor_of(token, SITE) == VISITOR
    adapter.verify(post({"id": "m1", "body": "Bonjour"}, token), SITE)


def test_new_visitor_ids_are_random_and_valid():
    first, second = adapter.new_visitor_id(), adapter.new_visitor_id()
    assert first != second
    assert adapter.visitor_of(session_for(first), SITE) == first


@pytest.mark.parametrize(("session", "reason"), [
    (None, "missing visitor session"),
    ("", "missing visitor session"),
    ("not-a-session", "not signed by this hub"),
    ("x" * 700, "too long"),
])
def test_a_missing_or_forged_session_is_rejected_with_a_reason(session, reason):
    with pytest.raises(SignatureRejected) as rejected:
        adapter.verify(post({"id": "m1", "body": "Bonjour"}, session), SITE)
    assert reason in rejected.value.reason


def test_a_session_signed_with_another_key_is_rejected():
    other = WebchatCredentials(secret="t" * 64)
    forged = adapter.issue_session(ChannelAccount("webchat", "site", "site", other), VISITOR)
    with pytest.raises(SignatureRejected, match="not signed by this hub"):
        adapter.verify(post({"id": "m1", "body": "x"}, forged), SITE)


def test_a_session_of_another_account_is_rejected():
    with pytest.raises(SignatureRejected, match="another web-chat account"):
        adapter.verify(post({"id": "m1", "body": "x"}, session_for(account=SHOP)), SITE)


def test_an_expired_session_is_rejected():
    old = URLSafeTimedSerializer(CREDENTIALS.secret, salt=SALT)
    token = old.dumps({"v": VISITOR, "a": "site"})
    short = ChannelAccount("webchat", "site", "site",
                           WebchatCredentials(secret=CREDENTIALS.secret, session_max_age=0))
    time.sleep(1.1)  # itsdangerous stamps whole seconds: the token must be strictly older
    with pytest.raises(SignatureRejected, match="expired"):
        adapter.verify(post({"id": "m1", "body": "x"}, token), short)


def test_a_signed_session_with_a_bad_visitor_id_is_rejected():
    token = URLSafeTimedSerializer(CREDENTIALS.secret, salt=SALT).dumps({"v": "a b", "a": "site"})
    with pytest.raises(SignatureRejected, match="malformed"):
        adapter.verify(post({"id": "m1", "body": "x"}, token), SITE)


def test_an_account_without_credentials_is_a_provider_error_not_a_crash():
    with pytest.raises(ProviderError):
        adapter.verify(post({}, session_for()), ChannelAccount("webchat", "x", "x", None))


# --- event key and parse ---------------------------------------------------------------------


def test_the_event_key_is_the_widgets_message_id_scoped_by_the_visitor():
    token = session_for()
    assert adapter.event_key(post({"id": "m-1", "body": "x"}, token)) == f"{VISITOR}:m-1"
    other = session_for("another-visitor")
    assert adapter.event_key(post({"id": "m-1", "body": "x"}, other)) == "another-visitor:m-1"


@pytest.mark.parametrize("body", [{}, {"id": ""}, {"id": "a b"}, {"id": "x" * 65}, {"id": 3},
                                  [], b"not json", b"\xff"])
def test_a_message_without_a_valid_id_is_a_bad_payload(body):
    if isinstance(body, dict):
        body = {**body, "body": "Bonjour"}
    with pytest.raises(BadPayload) as bad:
        adapter.event_key(post(body, session_for()))
    assert bad.value.reason


def test_parse_gives_one_chat_item_from_the_visitor():
    [item] = adapter.parse(post({"id": "m1", "body": "  Ma box clignote\n"}, session_for()),
                           SITE)
    assert item.provider_id == f"{VISITOR}:m1"
    assert item.sender_kind is IdentityKind.CHAT
    assert item.sender_address == VISITOR
    assert item.thread_key == VISITOR
    assert item.body == "Ma box clignote"


def test_parse_still_works_when_the_session_expired_after_it_was_stored():
    token = session_for()
    late = ChannelAccount("webchat", "site", "site",
                          WebchatCredentials(secret="rotated" * 10, session_max_age=0))
    [item] = adapter.parse(post({"id": "m1", "body": "Bonjour"}, token), late)
    assert item.sender_address == VISITOR


@pytest.mark.parametrize(("body", "reason"), [
    ({"id": "m1"}, "non-empty"),
    ({"id": "m1", "body": "   "}, "non-empty"),
    ({"id": "m1", "body": 12}, "non-empty"),
    ({"id": "m1", "body": "x" * 4001}, "at most 4000"),
])
def test_an_empty_or_oversized_body_is_refused_at_the_door_and_by_parse(body, reason):
    with pytest.raises(BadPayload, match=reason):
        adapter.event_key(post(body, session_for()))
    with pytest.raises(BadPayload, match=reason):
        adapter.parse(post(body, session_for()), SITE)


def test_no_status_callbacks_and_a_202_ack():
    assert adapter.parse_status(post({}, None), SITE) == []
    assert adapter.ack(post({}, None)).status == 202


# --- send: a push to the visitor's room ------------------------------------------------------


def test_send_pushes_the_reply_to_the_visitors_room():
    pushed.clear()
    message = OutboundMessage(to=f"visitor:{VISITOR}", body="Je regarde votre box",
                              idempotency_key="k" * 32, thread_key=f"visitor:{VISITOR}")
    result = adapter.send(message, SITE)
    assert result.provider_id == "webchat-" + "k" * 32
    assert result.status is DeliveryStatus.SENT
    [(room, event, data)] = pushed
    assert room == f"webchat:site:{VISITOR}" == adapter.room(SITE, VISITOR)
    assert event == "message"
    assert data["key"] == result.provider_id
    assert data["direction"] == "outbound"
    assert data["body"] == "Je regarde votre box"


@pytest.mark.parametrize("to", ["+33612345678", "visitor:", "visitor:a b", "lea@example.fr"])
def test_send_to_something_else_than_a_visitor_fails_for_good(to):
    message = OutboundMessage(to=to, body="x", idempotency_key="k")
    with pytest.raises(ProviderError) as failed:
        adapter.send(message, SITE)
    assert failed.value.retryable is False


def test_a_push_that_cannot_be_handed_over_is_retryable():
    def down(room, event, data):
        raise ProviderError("redis down", retryable=True)

    account = ChannelAccount("webchat", "site", "site",
                             WebchatCredentials(secret="s" * 64, push=down))
    with pytest.raises(ProviderError) as failed:
        adapter.send(OutboundMessage(to=f"visitor:{VISITOR}", body="x", idempotency_key="k"),
                     account)
    assert failed.value.retryable is True
