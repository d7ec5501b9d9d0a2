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
