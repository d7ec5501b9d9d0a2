"""Web-chat visitors: anonymous, then known by an email or a signed identity token.
Token checks are pure; the merges run on PostgreSQL and SQLite."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.customers.identity_token import (
    IdentityClaims,
    IdentityTokenRejected,
    brand_secrets,
    sign_identity_token,
    verify_identity_token,
)
from hub.customers.merge import unmerge
from hub.customers.models import Customer, CustomerMerge, Identity
from hub.customers.visitors import (
    sign_in_visitor,
    visitor_gave_email,
    visitor_identity,
    visitor_signed_in,
)
from hub.db import transaction
from hub.domain.errors import NotAllowed
from hub.settings import Settings
from tests.hub.customers.merge_builders import ADVISOR, person

SECRET = "brand-secret-0123456789abcdef-0123456789"
SECRETS = {"demo": SECRET}
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
VISITOR = "v_3f9a1c2b7d5e"


def verify(token: str, *, brand: str = "demo") -> IdentityClaims:
    return verify_identity_token(token, brand=brand, secrets=SECRETS,
                                 max_lifetime_seconds=3600, now=NOW)


def token(secret: str = SECRET, **claims: object) -> str:
    return sign_identity_token({"sub": "client-1001", "exp": STAMP + 600, **claims}, secret)


def test_a_signed_token_gives_the_claims():
    claims = verify(token(email="Lea@Example.fr", name="Léa Dubois"))
    assert claims == IdentityClaims(brand="demo", subject="client-1001",
                                    email="Lea@Example.fr", name="Léa Dubois")


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(("bad", "status", "reason"), [
    (token(secret="not-the-brand-secret-000000000000000"), 401, "bad signature"),
    (token(exp=STAMP - 1), 401, "expired"),
    (token(exp=STAMP + 86400), 401, "more than 3600 seconds"),
    (token(exp="tomorrow"), 400, "no expiry"),
    (token(sub=""), 400, "sub must be"),
    (token(email=42), 400, "must be strings"),
    ("only.two", 400, "malformed"),
    ("a.b.c!", 400, "malformed"),
    (_b64({"alg": "none"}) + "." + _b64({"sub": "x", "exp": STAMP + 60}) + ".sig", 400,
     "HS256"),
    (_b64({"alg": "HS256"}) + "." + _b64(["not", "an", "object"]) + ".c2ln", 401,
     "bad signature"),
])
def test_a_bad_token_is_refused_with_a_reason(bad, status, reason):
    with pytest.raises(IdentityTokenRejected, match=reason) as refused:
        verify(bad)
    assert refused.value.status == status


def test_a_fractional_expiry_is_a_numeric_date():
    assert verify(token(exp=STAMP + 0.5)).subject == "client-1001"
    with pytest.raises(IdentityTokenRejected, match="expired"):
        verify(token(exp=STAMP - 0.5))


def test_a_tampered_payload_breaks_the_signature():
    header, _payload, signature = token().split(".")
    forged = _b64({"sub": "client-0001", "exp": STAMP + 600})
    with pytest.raises(IdentityTokenRejected, match="bad signature"):
        verify(f"{header}.{forged}.{signature}")


def test_an_unknown_brand_is_refused():
    with pytest.raises(IdentityTokenRejected, match="unknown brand") as refused:
        verify(token(), brand="other")
    assert refused.value.status == 400


def test_brand_secrets_are_parsed_and_checked():
    assert brand_secrets("demo=abc, shop=d=e") == {"demo": "abc", "shop": "d=e"}
    assert brand_secrets("") == {}
    with pytest.raises(ValueError, match="brand=secret"):
        brand_secrets("nosecret")


def _merge_audits(session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.action == "customer.merge").order_by(AuditEntry.id)))


def test_an_anonymous_visitor_giving_a_customers_email_is_merged(both_databases):
    with transaction(both_databases) as session:
        lea = person(session, "Léa Dubois", ("email", "lea@example.fr"))
        visitor = visitor_identity(session, visitor_id=VISITOR)
        anonymous_id = visitor.customer_id
        assert (visitor.address, visitor.verified) == (f"visitor:{VISITOR}", False)
        assert visitor_gave_email(session, visitor_id=VISITOR, email=" LEA@example.FR") == lea.id
        assert session.get(Customer, anonymous_id).merged_into_id == lea.id
        assert visitor_identity(session, visitor_id=VISITOR).customer_id == lea.id
        [audit] = _merge_audits(session)
        assert audit.details["automatic"] is True and audit.actor == "system:web-chat"
        merge = session.scalars(select(CustomerMerge)).one()
        unmerge(session, merge_id=merge.id, actor=ADVISOR, reason="not the same person")
        assert visitor_identity(session, visitor_id=VISITOR).customer_id == anonymous_id


def test_a_new_email_is_linked_to_the_visitor(both_databases):
    with transaction(both_databases) as session:
        visitor = visitor_identity(session, visitor_id=VISITOR)
        assert visitor_gave_email(session, visitor_id=VISITOR,
                                  email="new@example.fr") == visitor.customer_id
        kinds = session.scalars(select(Identity.kind).where(
            Identity.customer_id == visitor.customer_id).order_by(Identity.id)).all()
        assert kinds == ["chat", "email"]
        assert _merge_audits(session) == []


def test_a_known_visitor_is_not_merged_on_a_typed_email(both_databases):
    with transaction(both_databases) as session:
        person(session, "Léa Dubois", ("email", "lea@example.fr"))
        visitor_gave_email(session, visitor_id=VISITOR, email="karim@example.fr")
        with pytest.raises(NotAllowed, match="suggested"):
            visitor_gave_email(session, visitor_id=VISITOR, email="lea@example.fr")
        assert _merge_audits(session) == []


def test_a_signed_in_visitor_joins_the_customer_with_that_email(both_databases):
    with transaction(both_databases) as session:
        lea = person(session, "Léa Dubois", ("email", "lea@example.fr"))
        anonymous_id = visitor_identity(session, visitor_id=VISITOR).customer_id
        claims = IdentityClaims(brand="demo", subject="client-1001", email="lea@example.fr",
                                phone="06 12 34 56 78", name="Léa Dubois")
        assert visitor_signed_in(session, claims=claims, visitor_id=VISITOR) == lea.id
        addresses = set(session.scalars(select(Identity.address).where(
            Identity.customer_id == lea.id)))
        assert addresses == {"lea@example.fr", "+33612345678", "demo:client-1001",
                             f"visitor:{VISITOR}"}
        assert session.get(Customer, anonymous_id).merged_into_id == lea.id
        # the next visit, from another browser, finds her by the brand's user id alone
        again = IdentityClaims(brand="demo", subject="client-1001")
        assert visitor_signed_in(session, claims=again, visitor_id="v_otherbrowser1") == lea.id
        assert len(_merge_audits(session)) == 2


def test_a_brand_user_unknown_to_the_hub_becomes_a_customer(both_databases):
    with transaction(both_databases) as session:
        claims = IdentityClaims(brand="demo", subject="client-2002", name="Nina Petit")
        customer_id = visitor_signed_in(session, claims=claims)
        assert session.get(Customer, customer_id).display_name == "Nina Petit"
        anonymous = visitor_identity(session, visitor_id=VISITOR).customer_id
        assert visitor_signed_in(session, claims=claims, visitor_id=VISITOR) == customer_id
        assert session.get(Customer, anonymous).merged_into_id == customer_id


def test_sign_in_checks_the_token_with_the_brand_secret_from_settings(both_databases):
    settings = Settings(CHAT_IDENTITY_SECRETS=f"demo={SECRET}")
    live = sign_identity_token({"sub": "client-3003", "exp": int(datetime.now(UTC).timestamp())
                                + 300}, SECRET)
    with transaction(both_databases) as session:
        customer_id = sign_in_visitor(session, settings=settings, brand="demo", token=live,
                                      visitor_id=VISITOR)
        assert visitor_identity(session, visitor_id=VISITOR).customer_id == customer_id
        forged = sign_identity_token({"sub": "client-1001", "exp": STAMP + 99999999}, "guess")
        with pytest.raises(IdentityTokenRejected, match="bad signature"):
            sign_in_visitor(session, settings=settings, brand="demo", token=forged)
