"""Address normalization: the key that finds a customer, whatever way it was typed."""

from __future__ import annotations

import pytest

from hub.domain.addresses import Address, normalize, normalize_email, normalize_phone
from hub.domain.kinds import IdentityKind

LEA = "+33612345678"


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "0033612345678",
        "+33612345678",
        " 06.12.34.56.78 ",
        "0033 6 12 34 56 78",
    ],
)
def test_every_way_of_typing_lea_s_number_gives_the_same_verified_e164(typed):
    assert normalize_phone(typed) == Address(IdentityKind.PHONE, LEA, verified=True)


def test_a_national_number_is_read_in_the_given_region():
    assert normalize_phone("07911 123456", region="GB").value == "+447911123456"
    assert normalize_phone("+447911123456", region="FR").value == "+447911123456"
    assert normalize_phone("07911 123456", region="FR").verified is False


@pytest.mark.parametrize("garbage", ["hello", "123", "+33 6", "not a number at all"])
def test_garbage_is_kept_raw_and_unverified(garbage):
    address = normalize_phone(garbage)
    assert address == Address(IdentityKind.PHONE, garbage, verified=False)


def test_email_is_lower_cased_and_verified():
    address = normalize_email("  Lea.Dubois@Example.FR ")
    assert address == Address(IdentityKind.EMAIL, "lea.dubois@example.fr", verified=True)


@pytest.mark.parametrize("typed", ["jean@bücher.de", "Jean@BÜCHER.de"])
def test_an_internationalized_domain_becomes_punycode(typed):
    address = normalize_email(typed)
    assert address == Address(IdentityKind.EMAIL, "jean@xn--bcher-kva.de", verified=True)


@pytest.mark.parametrize(
    "invalid",
    [
        "not-an-email",
        "Lea@",
        "@example.fr",
        "lea@localhost",
        "lea@example..fr",
        "lea@.fr",
        "x@" + "a" * 70 + ".fr",
    ],
)
def test_an_invalid_email_is_kept_lower_cased_and_unverified(invalid):
    address = normalize_email(invalid)
    assert address == Address(IdentityKind.EMAIL, invalid.lower(), verified=False)


@pytest.mark.parametrize("invalid", ["lea dubois@example.fr", "lea@exa mple.fr", "a@b@example.fr"])
def test_an_email_with_spaces_or_two_ats_is_not_verified(invalid):
    assert normalize_email(invalid).verified is False


def test_normalize_dispatches_on_the_kind():
    assert normalize(IdentityKind.PHONE, "06 12 34 56 78").value == LEA
    assert normalize(IdentityKind.EMAIL, "Lea@Example.fr").value == "lea@example.fr"
    other = normalize(IdentityKind.MESSENGER, " 1234567890 ", scope="104857600")
    assert other == Address(IdentityKind.MESSENGER, "104857600:1234567890", verified=True)


def test_a_whatsapp_id_is_the_phone_identity():
    assert normalize(IdentityKind.WHATSAPP, "33612345678") == Address(
        IdentityKind.PHONE, LEA, verified=True)
    assert normalize(IdentityKind.WHATSAPP, "33612345678") == normalize(
        IdentityKind.PHONE, "06 12 34 56 78")


def test_an_unparseable_whatsapp_id_is_a_raw_unverified_phone():
    assert normalize(IdentityKind.WHATSAPP, "wa-not-a-number") == Address(
        IdentityKind.PHONE, "wa-not-a-number", verified=False)


@pytest.mark.parametrize("kind", [IdentityKind.MESSENGER, IdentityKind.INSTAGRAM])
def test_page_scoped_ids_carry_their_page(kind):
    assert normalize(kind, "6543210987654321", scope="page-1") == Address(
        kind, "page-1:6543210987654321", verified=True)
    assert normalize(kind, "6543210987654321", scope="page-2").value != normalize(
        kind, "6543210987654321", scope="page-1").value


@pytest.mark.parametrize(("user_id", "scope", "kept"), [
    ("6543210987654321", "", "6543210987654321"),  # no page: the id means nothing alone
    ("not-digits", "page-1", "page-1:not-digits"),
    ("1234", "page with spaces", "page with spaces:1234"),
])
def test_an_unparseable_scoped_id_is_kept_raw_and_unverified(user_id, scope, kept):
    assert normalize(IdentityKind.MESSENGER, user_id, scope=scope) == Address(
        IdentityKind.MESSENGER, kept, verified=False)


def test_x_ids_are_global_digits():
    assert normalize(IdentityKind.X, " 783214 ", scope="brand") == Address(
        IdentityKind.X, "783214", verified=True)
    assert normalize(IdentityKind.X, "@lea").verified is False


def test_a_web_chat_visitor_is_never_verified():
    assert normalize(IdentityKind.CHAT, "v_3f9a1c2b7d") == Address(
        IdentityKind.CHAT, "visitor:v_3f9a1c2b7d", verified=False)
    assert normalize(IdentityKind.CHAT, "bad id!").verified is False
    assert normalize(IdentityKind.CHAT, "x" * 400).value == "x" * 320
