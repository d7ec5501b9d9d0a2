"""POST /customers/<id>/merge and /merges/<id>/undo: who may, validation, tombstones."""

from __future__ import annotations

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.auth.models import Role
from hub.customers.models import Customer
from hub.db import transaction
from tests.hub.customers.merge_builders import assign, person, thread
from tests.personas import advisor


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def cast(services):
    """Camille handles both of Léa's records; Alex handles only the first."""
    with transaction(services.sessions) as session:
        camille = advisor(session)
        alex = advisor(session, email="alex@example.test", name="Alex")
        boss = advisor(session, email="sam@example.test", name="Sam", role=Role.SUPERVISOR)
        lea = person(session, "Léa Dubois", ("phone", "+33612345678"))
        twin = person(session, "Lea Dubois", ("email", "lea@example.test"))
        assign(session, camille.user.id, thread(session, lea, 1))
        assign(session, camille.user.id, thread(session, twin, 2))
        assign(session, alex.user.id, thread(session, lea, 3))
        return camille, alex, boss, lea.id, twin.id


def test_an_advisor_who_handles_both_merges_and_undoes(client, services):
    camille, _alex, boss, lea_id, twin_id = cast(services)
    merged = client.post(f"/api/v1/customers/{lea_id}/merge", headers=bearer(camille),
                         json={"other_id": twin_id, "reason": "same person"})
    assert merged.status_code == 201, merged.get_json()
    body = merged.get_json()
    assert (body["survivor_id"], body["merged_id"], body["automatic"]) == (lea_id, twin_id,
                                                                          False)
    assert body["moved"]["identities.customer_id"] == 1
    payload = {"other_id": twin_id, "reason": "same person"}
    # the tombstone has no conversation left: Camille no longer reaches it; Sam is told why
    assert client.post(f"/api/v1/customers/{lea_id}/merge", headers=bearer(camille),
                       json=payload).status_code == 404
    read = client.get(f"/api/v1/customers/{twin_id}", headers=bearer(boss))
    assert read.status_code == 404
    assert read.get_json()["errors"]["_"] == [f"customer {twin_id} was merged into customer "
                                              f"{lea_id}"]
    again = client.post(f"/api/v1/customers/{lea_id}/merge", headers=bearer(boss), json=payload)
    assert again.status_code == 409
    assert again.get_json()["errors"]["other_id"] == [
        f"customer {twin_id} was merged into customer {lea_id}"]

    undone = client.post(f"/api/v1/merges/{body['id']}/undo", headers=bearer(camille),
                         json={"reason": "my mistake"})
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["undone_at"] is not None
    with services.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["customer.merge", "customer.unmerge"]
        assert session.get(Customer, twin_id).merged_into_id is None


def test_an_advisor_who_handles_only_one_cannot_merge_or_undo(client, services):
    camille, alex, boss, lea_id, twin_id = cast(services)
    refused = client.post(f"/api/v1/customers/{lea_id}/merge", headers=bearer(alex),
                          json={"other_id": twin_id, "reason": "same person"})
    assert refused.status_code == 404
    merged = client.post(f"/api/v1/customers/{lea_id}/merge", headers=bearer(boss),
                         json={"other_id": twin_id, "reason": "same person"})
    assert merged.status_code == 201
    merge_id = merged.get_json()["id"]
    for persona in (alex, camille):  # Camille did not merge it: only its author or a supervisor
        assert client.post(f"/api/v1/merges/{merge_id}/undo", headers=bearer(persona),
                           json={"reason": "not the same"}).status_code == 404
    assert client.post("/api/v1/merges/999999/undo", headers=bearer(boss),
                       json={"reason": "nothing"}).status_code == 404
    with services.sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["customer.merge"]


def test_bodies_are_validated(client, services):
    _camille, _alex, boss, lea_id, twin_id = cast(services)
    url = f"/api/v1/customers/{lea_id}/merge"
    cases = [
        {"other_id": twin_id},
        {"other_id": twin_id, "reason": "ab"},
        {"other_id": twin_id, "reason": "x" * 501},
        {"other_id": "two", "reason": "same person"},
        {"other_id": twin_id, "reason": "same person", "survivor_id": 1, "automatic": True},
    ]
    for payload in cases:
        response = client.post(url, headers=bearer(boss), json=payload)
        assert response.status_code == 422, payload
    extra = client.post(url, headers=bearer(boss), json=cases[-1]).get_json()
    assert set(extra["errors"]["json"]) == {"survivor_id", "automatic"}
    anonymous = client.post(url, json={"other_id": twin_id, "reason": "same"})
    assert anonymous.status_code == 400 and "csrf" in anonymous.get_json()["errors"]
    itself = client.post(url, headers=bearer(boss), json={"other_id": lea_id, "reason": "myself"})
    assert itself.status_code == 409
    with services.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []
