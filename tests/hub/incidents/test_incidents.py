"""Incidents declared by a supervisor: the API, the pinned forum announcement kept in
step, and new questions linked to the incident they are about."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.db import transaction
from hub.forum.models import ForumPost, ForumTopic
from hub.incidents.models import IncidentTopic
from tests.hub.forum.conftest import ask, make_member
from tests.personas import advisor

BEARER = "Authorization"


@pytest.fixture
def staff(forum):
    with transaction(forum.sessions) as session:
        boss = advisor(session, email="nora@example.test", name="Nora", role=Role.SUPERVISOR,
                       queue=False)
        camille = advisor(session, email="camille@example.test", name="Camille", queue=False)
        return ({BEARER: f"Bearer {boss.token}"}, {BEARER: f"Bearer {camille.token}"})


OUTAGE = {"title": "Coupure fibre à Lyon", "message": "Une coupure touche la fibre à Lyon.",
          "categories": ["box-internet"], "keywords": ["coupure", "fibre", "pas d'internet"]}


def _declare(client, headers) -> dict:
    response = client.post("/api/v1/incidents", json=OUTAGE, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _topic(forum, topic_id) -> tuple[str, str]:
    with forum.sessions() as session:
        topic = session.get(ForumTopic, topic_id)
        body = session.scalars(select(ForumPost.body).where(
            ForumPost.topic_id == topic_id, ForumPost.is_question.is_(True))).one()
        return topic.title, body


def test_only_supervisors_declare_and_bad_input_names_the_field(forum, staff, client):
    boss, camille = staff
    assert client.post("/api/v1/incidents", json=OUTAGE, headers=camille).status_code == 403
    missing = client.post("/api/v1/incidents", json={**OUTAGE, "keywords": []}, headers=boss)
    assert missing.status_code == 422 and "keywords" in missing.get_json()["errors"]["json"]
    unknown = client.post("/api/v1/incidents", json={**OUTAGE, "categories": ["radio"]},
                          headers=boss)
    assert unknown.status_code == 422
    assert "categories" in unknown.get_json()["errors"]["json"]
    assert client.post("/api/v1/incidents/999/updates", json={"message": "x"},
                       headers=boss).status_code == 404
    assert client.get("/api/v1/incidents", headers=camille).status_code == 403


def test_the_announcement_is_pinned_and_follows_the_incident(forum, staff, app, client):
    boss, _ = staff
    incident = _declare(client, boss)
    topic_id = incident["announcement_topic_id"]
    assert _topic(forum, topic_id)[0] == "[Incident] Coupure fibre à Lyon"
    reader = app.test_client()
    box = reader.get("/forum/c/box-internet").get_data(as_text=True)
    pinned = box.split('class="announcements"')[1].split("</section>")[0]
    assert "Coupure fibre à Lyon" in pinned
    assert 'class="announcements"' not in reader.get("/forum/c/tv").get_data(as_text=True)
    step = client.post(f"/api/v1/incidents/{incident['id']}/updates",
                       json={"message": "Les équipes sont sur place."}, headers=boss)
    assert step.status_code == 201 and step.get_json()["status"] == "updated"
    done = client.post(f"/api/v1/incidents/{incident['id']}/resolve",
                       json={"message": "Le service est rétabli."}, headers=boss)
    assert done.status_code == 200 and done.get_json()["resolved_at"]
    title, body = _topic(forum, topic_id)
    assert title == "[Résolu / Resolved] Coupure fibre à Lyon"
    for text in ("Une coupure touche", "Les équipes sont sur place.", "Le service est rétabli."):
        assert text in body
    assert body.index("rétabli") < body.index("sur place")  # newest first
    late = client.post(f"/api/v1/incidents/{incident['id']}/updates",
                       json={"message": "Encore ?"}, headers=boss)
    assert late.status_code == 409
    listed = client.get("/api/v1/incidents", headers=boss).get_json()
    assert [len(i["updates"]) for i in listed] == [3]


def test_new_questions_matching_the_incident_are_linked_and_shown_it(forum, staff, app,
                                                                     client):
    boss, _ = staff
    incident = _declare(client, boss)
    with transaction(forum.sessions) as session:
        asker = make_member(session, "Lou")
        linked = ask(session, asker, "Plus de fibre ce matin", body="Rien ne marche.",
                     slug="box-internet")
        by_body = ask(session, asker, "Box muette", body="Coupures toute la nuit",
                      slug="box-internet")
        elsewhere = ask(session, asker, "Coupure de la TV", slug="tv")
        unrelated = ask(session, asker, "Changer le mot de passe Wi-Fi", slug="box-internet")
        ids = [t.id for t in (linked, by_body, elsewhere, unrelated)]
        path = f"/forum/t/{linked.id}-{linked.slug}"
    with forum.sessions() as session:
        found = set(session.scalars(select(IncidentTopic.topic_id)))
    assert found == set(ids[:2])
    page = app.test_client().get(path).get_data(as_text=True)
    assert "An incident may explain this problem" in page or \
        "Un incident peut expliquer ce problème" in page
    assert f"/forum/t/{incident['announcement_topic_id']}-" in page
    client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={"message": "Fini."},
                headers=boss)
    with transaction(forum.sessions) as session:
        later = ask(session, make_member(session, "Tom"), "Coupure fibre encore",
                    slug="box-internet")
        assert session.scalar(select(IncidentTopic.id).where(
            IncidentTopic.topic_id == later.id)) is None
