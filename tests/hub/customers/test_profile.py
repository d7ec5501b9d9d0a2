"""The profile service: Camille updates Léa's profile; the rules hold whoever calls."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.audit.service import Actor
from hub.customers.models import Customer, Identity
from hub.customers.profile import profile_view, update_profile
from hub.db import transaction, utcnow
from hub.domain.errors import NotAllowed
from tests.personas import LEA_PHONE, advisor, demo_customers


@pytest.fixture
def lea_and_camille(services):
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session)
        lea = session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))
    return lea, camille.user.id


def update(services, customer_id: int, user_id: int, **changes):
    with transaction(services.sessions) as session:
        customer = update_profile(session, customer_id=customer_id, changes=changes,
                                  actor=Actor.user(user_id))
        return profile_view(customer)


def test_camille_records_lea_s_preferences_and_the_audit_log_names_the_fields(
        services, lea_and_camille):
    lea, camille = lea_and_camille

    view = update(services, lea, camille, preferred_channel="sms", consent_sms=True,
                  consent_email=False, tags=["facture", "box-fibre", "facture"], vip_level=2,
                  notes="Préfère être rappelée après 18 h.", name="  Léa Dubois-Martin ")

    assert view["preferred_channel"] == "sms"
    assert (view["consent_sms"], view["consent_email"]) == (True, False)
    assert view["tags"] == ["facture", "box-fibre"]  # a duplicate is kept once
    assert (view["vip_level"], view["vip"]) == (2, True)
    assert view["name"] == "Léa Dubois-Martin"
    assert [i["address"] for i in view["identities"]] == [LEA_PHONE, "lea.dubois@example.fr",
                                                          "demo:client-1001"]
    with services.sessions() as session:
        (entry,) = session.scalars(select(AuditEntry)).all()
        assert (entry.action, entry.subject_type, entry.subject_id) == (
            "customer.profile_updated", "customer", str(lea))
        assert entry.actor_user_id == camille
        assert entry.details["fields"] == ["consent_sms", "name", "notes", "preferred_channel",
                                           "tags", "vip_level"]  # consent_email was False
        assert entry.details["values"] == {"preferred_channel": "sms", "consent_sms": True,
                                           "vip_level": 2}
        assert "18 h" not in str(entry.details)  # free text is named, never copied


def test_sending_the_same_values_again_changes_nothing_and_records_nothing(
        services, lea_and_camille):
    lea, camille = lea_and_camille
    update(services, lea, camille, language="fr")  # Léa's language already
    with services.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def test_the_vip_flag_follows_the_vip_level_in_python_and_in_sql(services, lea_and_camille):
    lea, camille = lea_and_camille
    update(services, lea, camille, vip_level=3)
    with services.sessions() as session:
        assert session.scalar(select(Customer.id).where(Customer.vip)) == lea
        customer = session.get(Customer, lea)
        assert customer.vip_flag is True  # the stored column read by older code
    update(services, lea, camille, vip_level=0)
    with transaction(services.sessions) as session:
        customer = session.get(Customer, lea)
        assert (customer.vip, customer.vip_flag) == (False, False)
        customer.vip = True  # older code setting the flag gets level 1
        assert (customer.vip_level, customer.vip_flag) == (1, True)


@pytest.mark.parametrize("changes, field", [
    ({"tags": ["Facture"]}, "tags"),
    ({"tags": ["-facture"]}, "tags"),
    ({"tags": ["facture\n"]}, "tags"),
    ({"tags": ["x" * 32]}, "tags"),
    ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
    ({"language": "de"}, "language"),
    ({"preferred_channel": "pigeon"}, "preferred_channel"),
    ({"vip_level": 4}, "vip_level"),
    ({"vip_level": "2"}, "vip_level"),
    ({"consent_sms": "yes"}, "consent_sms"),
    ({"consent_email": 1}, "consent_email"),
    ({"notes": "x" * 5001}, "notes"),
    ({"notes": "a\x00b"}, "notes"),
    ({"name": "   "}, "name"),
    ({"id": 99}, "id"),
    ({"created_at": "2020-01-01"}, "created_at"),
    ({"identities": []}, "identities"),
])
def test_invalid_or_unknown_fields_are_refused_by_the_service_too(
        services, lea_and_camille, changes, field):
    lea, camille = lea_and_camille
    with pytest.raises(ValidationError) as error:
        update(services, lea, camille, **changes)
    assert field in error.value.messages


def test_twenty_tags_and_five_thousand_characters_of_notes_are_fine(services, lea_and_camille):
    lea, camille = lea_and_camille
    view = update(services, lea, camille, tags=[f"t{n}" for n in range(20)], notes="n" * 5000,
                  preferred_channel=None)
    assert len(view["tags"]) == 20 and len(view["notes"]) == 5000
    assert view["preferred_channel"] is None


def test_an_erased_customer_cannot_be_given_a_profile_again(services, lea_and_camille):
    lea, camille = lea_and_camille
    with transaction(services.sessions) as session:
        session.get(Customer, lea).erased_at = utcnow()
    with pytest.raises(NotAllowed):
        update(services, lea, camille, notes="nouvelle note")
