"""GET and PATCH /api/v1/customers/<id>: the card, edits with validation, access, CSRF, and
an account panel that says "unavailable" rather than failing when the CRM does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.bootstrap import build_services
from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.sandbox.crm import CrmStandin
from tests.conftest import with_settings
from tests.hub.api.test_rest_api import offered_conversation
from tests.personas import LEA_PHONE, PASSWORD, advisor, demo_customers


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


@pytest.fixture
def sophie_and_lea(services):
    """Sophie supervises (she sees every customer); Léa is a demo customer."""
    with transaction(services.sessions) as session:
        demo_customers(session)
        sophie = advisor(session, email="sophie@example.test", name="Sophie",
                         role=Role.SUPERVISOR)
        lea = session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))
    return sophie, lea


def test_the_card_has_the_profile_identities_and_the_account(client, sophie_and_lea):
    sophie, lea = sophie_and_lea
    response = client.get(f"/api/v1/customers/{lea}", headers=bearer(sophie))
    assert response.status_code == 200
    card = response.get_json()
    assert card["name"] == "Léa Dubois" and card["language"] == "fr"
    defaults = {"preferred_channel": None, "consent_sms": False, "consent_email": False,
                "tags": [], "vip": False, "vip_level": 0, "notes": ""}
    assert {name: card[name] for name in defaults} == defaults
    assert {i["kind"] for i in card["identities"]} == {"phone", "email", "chat"}
    assert card["account"]["available"] is True
    assert card["account"]["devices"][0]["imei"] == "***********0001"


def test_a_patch_changes_only_what_is_sent_and_answers_the_new_card(client, sophie_and_lea,
                                                                    services):
    sophie, lea = sophie_and_lea
    response = client.patch(f"/api/v1/customers/{lea}", headers=bearer(sophie), json={
        "tags": ["facture", "fibre"], "vip_level": 1, "consent_email": True,
        "preferred_channel": "email", "notes": "Rappeler lundi."})
    assert response.status_code == 200, response.get_json()
    card = response.get_json()
    assert (card["tags"], card["vip_level"], card["vip"]) == (["facture", "fibre"], 1, True)
    assert card["consent_email"] is True and card["consent_sms"] is False
    assert card["name"] == "Léa Dubois"
    assert card["account"]["available"] is True
    again = client.get(f"/api/v1/customers/{lea}", headers=bearer(sophie)).get_json()
    assert again["notes"] == "Rappeler lundi." and again["preferred_channel"] == "email"


def test_ids_dates_and_identities_cannot_be_mass_assigned(client, sophie_and_lea, services):
    sophie, lea = sophie_and_lea
    response = client.patch(f"/api/v1/customers/{lea}", headers=bearer(sophie), json={
        "notes": "ok", "id": 1, "created_at": "2000-01-01T00:00:00Z",
        "identities": [{"kind": "phone", "address": "+33600000000"}], "merged_into_id": 2})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"id", "created_at", "identities",
                                                          "merged_into_id"}
    with services.sessions() as session:
        assert session.get(Customer, lea).notes == ""  # nothing applied


@pytest.mark.parametrize("body, field", [
    ({"tags": ["Pas Un Slug"]}, "tags"),
    ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
    ({"language": "es"}, "language"),
    ({"preferred_channel": "fax"}, "preferred_channel"),
    ({"vip_level": 7}, "vip_level"),
    ({"notes": "x" * 5001}, "notes"),
    ({"consent_sms": "oui"}, "consent_sms"),
])
def test_invalid_values_are_422_naming_the_field(client, sophie_and_lea, body, field):
    sophie, lea = sophie_and_lea
    response = client.patch(f"/api/v1/customers/{lea}", headers=bearer(sophie), json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]


def test_an_advisor_not_handling_the_customer_gets_404_for_read_and_write(client, services):
    camille, alex, _conversation = offered_conversation(client, services)
    with services.sessions() as session:
        lea = session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))
    assert client.get(f"/api/v1/customers/{lea}", headers=bearer(alex)).status_code == 404
    denied = client.patch(f"/api/v1/customers/{lea}", headers=bearer(alex),
                          json={"notes": "alex était là"})
    assert denied.status_code == 404
    assert client.get("/api/v1/customers/999999", headers=bearer(camille)).status_code == 404
    allowed = client.patch(f"/api/v1/customers/{lea}", headers=bearer(camille),
                           json={"notes": "Camille gère."})
    assert allowed.status_code == 200
    assert allowed.get_json()["notes"] == "Camille gère."


def test_a_cookie_session_patch_needs_the_csrf_token(client, services, sophie_and_lea):
    _sophie, lea = sophie_and_lea
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post("/login", data={"email": "sophie@example.test", "password": PASSWORD,
                                        "csrf_token": token})
    assert login.status_code == 302
    forged = client.patch(f"/api/v1/customers/{lea}", json={"notes": "forgée"})
    assert forged.status_code == 400 and "csrf" in forged.get_json()["errors"]
    inbox = client.get("/inbox").get_data(as_text=True)
    token = inbox.split('data-csrf="')[1].split('"')[0]
    ok = client.patch(f"/api/v1/customers/{lea}", json={"notes": "vraie"},
                      headers={"X-CSRFToken": token})
    assert ok.status_code == 200


@pytest.fixture(scope="module")
def crm() -> Iterator[CrmStandin]:
    with CrmStandin() as standin:
        yield standin


def test_a_crm_that_is_down_shows_account_unavailable_never_an_error(
        services, settings, sophie_and_lea, crm):
    """The card still answers 200, with {"available": false, …} for the account panel."""
    from hub.app import create_app

    sophie, lea = sophie_and_lea
    crm.reset()
    crm.mode = "down"
    crm_settings = with_settings(settings, ACCOUNT_PROVIDER="crm",
                                 CRM_URL_TEMPLATE=crm.url_template("phone"),
                                 CRM_AUTH_HEADER=crm.auth_header, CRM_TIMEOUT_SECONDS=0.3)
    crm_services = build_services(crm_settings)
    try:
        client = create_app(crm_settings, crm_services).test_client()
        response = client.get(f"/api/v1/customers/{lea}", headers=bearer(sophie))
        assert response.status_code == 200
        assert response.get_json()["account"] == {"available": False,
                                                  "reason": "crm answered 500"}
        crm.mode = "ok"
        crm.delay = 1  # slower than the 0.3 s timeout
        patched = client.patch(f"/api/v1/customers/{lea}", headers=bearer(sophie),
                               json={"vip_level": 2})
        assert patched.status_code == 200
        assert patched.get_json()["vip_level"] == 2
        assert patched.get_json()["account"] == {"available": False, "reason": "crm timeout"}
    finally:
        crm_services.engine.dispose()
