"""One contract every registered channel adapter keeps, whatever its provider."""

from __future__ import annotations

import re

import pytest

from channels import ADAPTERS
from hub.bootstrap import channel_accounts
from hub.domain.errors import BadPayload, SignatureRejected
from hub.domain.kinds import ChannelKind
from hub.domain.messages import RawRequest, RawResponse
from hub.domain.ports import Capabilities, ChannelAccount, ChannelAdapter
from hub.settings import Settings

NAMES = sorted(ADAPTERS)
PROTOCOL_METHODS = sorted(
    name
    for name, value in vars(ChannelAdapter).items()
    if callable(value) and not name.startswith("_")
)


def account_for(name: str) -> ChannelAccount:
    """The account the composition root configures for the channel, else a bare one."""
    for account in channel_accounts(Settings()):
        if account.channel == name:
            return account
    return ChannelAccount(name, "contract", "", credentials=None)


def request(
    form: tuple[tuple[str, str], ...] = (), body: bytes = b"", headers: dict[str, str] | None = None
) -> RawRequest:
    return RawRequest(
        method="POST",
        url="https://hub.example.test/hooks/x/demo",
        headers=headers or {},
        form=form,
        query=(),
        body=body,
    )


EMPTY = request()
UNSIGNED = request(
    form=(("MessageSid", "SM" + "1" * 32), ("From", "+33612345678"), ("Body", "hello")),
    body=b'{"id": "1", "from": "+33612345678", "body": "hello"}',
    headers={"Content-Type": "application/x-www-form-urlencoded"},
)


def test_the_registry_is_not_empty_and_keys_are_the_adapter_names():
    assert NAMES
    assert {"verify", "event_key", "parse", "send"} <= set(PROTOCOL_METHODS)
    for key, adapter in ADAPTERS.items():
        assert adapter.name == key


@pytest.fixture(params=NAMES)
def adapter(request) -> ChannelAdapter:
    return ADAPTERS[request.param]


def test_has_a_url_safe_name_a_kind_and_capabilities(adapter):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", adapter.name)
    assert isinstance(adapter.kind, ChannelKind)
    assert isinstance(adapter.capabilities, Capabilities)
    assert adapter.capabilities.max_length > 0


def test_implements_every_method_of_the_port(adapter):
    missing = [name for name in PROTOCOL_METHODS if not callable(getattr(adapter, name, None))]
    assert missing == []


@pytest.mark.parametrize("req", [EMPTY, UNSIGNED], ids=["empty", "unsigned"])
def test_verify_rejects_an_unsigned_request(adapter, req):
    with pytest.raises(SignatureRejected) as rejected:
        adapter.verify(req, account_for(adapter.name))
    assert rejected.value.reason


def test_event_key_of_an_empty_request_is_a_bad_payload(adapter):
    with pytest.raises(BadPayload) as bad:
        adapter.event_key(EMPTY)
    assert bad.value.reason


def test_ack_is_a_2xx_raw_response(adapter):
    answer = adapter.ack(UNSIGNED)
    assert isinstance(answer, RawResponse)
    assert 200 <= answer.status < 300
    assert isinstance(answer.body, str)
    assert answer.content_type


def test_a_plain_post_needs_no_handshake(adapter):
    assert adapter.handshake(UNSIGNED, account_for(adapter.name)) is None


def test_is_status_answers_a_bool_for_an_empty_request(adapter):
    assert isinstance(adapter.is_status(EMPTY), bool)


def test_parsing_an_empty_request_fails_only_with_bad_payload(adapter):
    account = account_for(adapter.name)
    for parse in (adapter.parse, adapter.parse_status):
        try:
            items = parse(EMPTY, account)
        except BadPayload:
            continue
        assert isinstance(items, list)
