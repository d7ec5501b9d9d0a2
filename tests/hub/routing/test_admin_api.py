"""Queues, rules, skills, wrap-up codes and advisor profiles through the REST API:
supervisors and admins only; malformed bodies are 422 naming the field."""

from __future__ import annotations

import pytest

from hub.auth.models import Role, Team
from hub.db import transaction
from tests.hub.routing.builders import bearer
from tests.personas import advisor


@pytest.fixture
def people(services):
    with transaction(services.sessions) as session:
        sophie = advisor(session, email="sophie@example.test", name="Sophie",
                         role=Role.SUPERVISOR)
        camille = advisor(session)
    return sophie, camille


def test_advisors_may_not_configure_routing(client, people):
    _sophie, camille = people
    for method, url in [("get", "/api/v1/queues"), ("post", "/api/v1/queues"),
                        ("get", "/api/v1/routing/rules"), ("post", "/api/v1/routing/rules"),
                        ("post", "/api/v1/routing/skills"), ("get", "/api/v1/routing/overview"),
                        ("patch", "/api/v1/routing/advisors/1")]:
        response = getattr(client, method)(url, json={}, headers=bearer(camille))
        assert response.status_code in (403, 422), (url, response.status_code)
        if response.status_code == 422:  # the body is checked first, the role right after
            continue
    assert client.get("/api/v1/queues", headers=bearer(camille)).status_code == 403
    assert client.get("/api/v1/queues").status_code == 401


def test_skills_queues_rules_crud(client, people):
    sophie, _camille = people
    auth = bearer(sophie)
    skill = client.post("/api/v1/routing/skills", json={"name": "billing", "label": "Factures"},
                        headers=auth)
    assert skill.status_code == 201, skill.get_json()
    created = client.post("/api/v1/queues", headers=auth, json={
        "name": "Facturation", "required_skills": {"billing": 2}, "languages": ["fr"],
        "sla_targets": [{"channel": "chat", "seconds": 120}, {"seconds": 3600}]})
    assert created.status_code == 201, created.get_json()
    queue = created.get_json()
    assert queue["sla_targets"] == [{"channel": "chat", "min_priority": 0, "seconds": 120},
                                    {"channel": "*", "min_priority": 0, "seconds": 3600}]
    rule = client.post("/api/v1/routing/rules", headers=auth, json={
        "name": "Invoices", "queue_id": queue["id"], "position": 10,
        "conditions": {"keywords": ["facture"], "channels": ["sms"]}})
    assert rule.status_code == 201, rule.get_json()
    rule_id = rule.get_json()["id"]
    patched = client.patch(f"/api/v1/routing/rules/{rule_id}", json={"enabled": False},
                           headers=auth)
    assert patched.get_json()["enabled"] is False
    assert patched.get_json()["conditions"]["keywords"] == ["facture"]
    listed = client.get("/api/v1/routing/rules", headers=auth).get_json()
    assert [r["id"] for r in listed] == [rule_id]

    in_use = client.delete(f"/api/v1/queues/{queue['id']}", headers=auth)
    assert in_use.status_code == 409
    assert client.delete(f"/api/v1/routing/skills/{skill.get_json()['id']}",
                         headers=auth).status_code == 409
    assert client.delete(f"/api/v1/routing/rules/{rule_id}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/routing/rules/{rule_id}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/queues/{queue['id']}", headers=auth).status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"queue_id": 1}, "name"),
    ({"name": "x"}, "queue_id"),
    ({"name": "x", "queue_id": "1"}, "queue_id"),
    ({"name": "x", "queue_id": 1, "conditions": {"keywords": "facture"}}, "conditions"),
    ({"name": "x", "queue_id": 1, "conditions": {"languages": ["French"]}}, "conditions"),
    ({"name": "x", "queue_id": 1, "conditions": {"colour": ["red"]}}, "conditions"),
    ({"name": "x", "queue_id": 1, "conditions": {"attributes": {"ivr": {"a": 1}}}},
     "conditions"),
    ({"name": "x", "queue_id": 1, "priority": 99}, "priority"),
    ({"name": "x", "queue_id": 1, "owner": 3}, "owner"),
    ({"name": "x", "queue_id": 999}, "queue_id"),  # well-formed, but no such queue
])
def test_a_malformed_rule_is_422_naming_the_field(client, people, body, field):
    sophie, _camille = people
    response = client.post("/api/v1/routing/rules", json=body, headers=bearer(sophie))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]


def test_a_queue_needing_an_unknown_skill_or_a_taken_name_is_refused(client, people):
    sophie, _camille = people
    auth = bearer(sophie)
    unknown = client.post("/api/v1/queues", json={"name": "A", "required_skills": {"x": 1}},
                          headers=auth)
    assert "required_skills" in unknown.get_json()["errors"]["json"]
    bad_level = client.post("/api/v1/queues", json={"name": "A", "required_skills": {"x": 9}},
                            headers=auth)
    assert "required_skills" in bad_level.get_json()["errors"]["json"]
    assert client.post("/api/v1/queues", json={"name": "A"}, headers=auth).status_code == 201
    taken = client.post("/api/v1/queues", json={"name": "A"}, headers=auth)
    assert taken.status_code == 422 and "name" in taken.get_json()["errors"]["json"]
    sla = client.post("/api/v1/queues", json={"name": "B", "sla_targets": [{"channel": "fax",
                                                                            "seconds": 5}]},
                      headers=auth)
    assert "sla_targets" in sla.get_json()["errors"]["json"]


def test_one_default_queue_at_a_time(client, people):
    sophie, _camille = people
    auth = bearer(sophie)
    queues = client.get("/api/v1/queues", headers=auth).get_json()
    (general,) = [q for q in queues if q["is_default"]]
    new = client.post("/api/v1/queues", json={"name": "Accueil", "is_default": True},
                      headers=auth).get_json()
    after = {q["id"]: q["is_default"] for q in client.get("/api/v1/queues",
                                                          headers=auth).get_json()}
    assert after == {general["id"]: False, new["id"]: True}
    assert client.delete(f"/api/v1/queues/{new['id']}", headers=auth).status_code == 409


def test_members_skills_languages_and_capacity_of_advisors(client, services, people):
    sophie, camille = people
    auth = bearer(sophie)
    with transaction(services.sessions) as session:
        team = Team(name="Niveau 2", capacity={"chat": 2})
        session.add(team)
        session.flush()
        team_id = team.id
    client.post("/api/v1/routing/skills", json={"name": "fibre"}, headers=auth)
    queue = client.post("/api/v1/queues", json={"name": "Fibre"}, headers=auth).get_json()
    members = client.put(f"/api/v1/queues/{queue['id']}/members",
                         json={"user_ids": [camille.user.id]}, headers=auth)
    assert members.get_json()["member_ids"] == [camille.user.id]
    unknown = client.put(f"/api/v1/queues/{queue['id']}/members", json={"user_ids": [999]},
                         headers=auth)
    assert "user_ids" in unknown.get_json()["errors"]["json"]

    url = f"/api/v1/routing/advisors/{camille.user.id}"
    shown = client.patch(url, headers=auth, json={
        "skills": {"fibre": 4}, "languages": ["fr", "en"], "team_id": team_id,
        "capacity": {"async": 2, "auto_accept": ["async"]}}).get_json()
    assert shown["effective_capacity"] == {"voice": 1, "chat": 2, "async": 2,
                                           "auto_accept": ["async"]}
    assert shown["languages"] == ["en", "fr"] and shown["skills"] == {"fibre": 4}
    assert queue["id"] in shown["queue_ids"]
    bad = client.patch(url, json={"skills": {"plumbing": 2}}, headers=auth)
    assert "skills" in bad.get_json()["errors"]["json"]
    bad_capacity = client.patch(url, json={"capacity": {"chat": -1}}, headers=auth)
    assert "capacity" in bad_capacity.get_json()["errors"]["json"]
    team_view = client.put(f"/api/v1/routing/teams/{team_id}", json={"capacity": {"chat": 1}},
                           headers=auth).get_json()
    assert team_view["capacity"] == {"chat": 1}


def test_wrap_up_codes_are_data(client, people):
    sophie, camille = people
    created = client.post("/api/v1/routing/wrap-up-codes",
                          json={"code": "resolved", "label": "Résolu"}, headers=bearer(sophie))
    assert created.status_code == 201
    assert client.post("/api/v1/routing/wrap-up-codes", json={"code": "Not OK!"},
                       headers=bearer(sophie)).status_code == 422
    listed = client.get("/api/v1/routing/wrap-up-codes", headers=bearer(camille)).get_json()
    assert [c["code"] for c in listed] == ["resolved"]
