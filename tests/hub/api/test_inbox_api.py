"""Notes with mentions, canned responses and replies on another channel, over the REST API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.inbox.models import Note
from hub.replies.models import Delivery
from hub.routing.models import WorkItem, WorkState
from hub.routing.service import default_queue
from hub.timeline.models import Attachment, Conversation, Interaction
from tests.conftest import run_jobs
from tests.hub.api.test_rest_api import offered_conversation
from tests.personas import LEA_PHONE, advisor, demo_customers


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def events(client, persona, name: str) -> list[dict]:
    found = client.get("/api/v1/events?after=0", headers=bearer(persona)).get_json()["events"]
    return [e["data"] for e in found if e["event"] == name]


def test_a_note_with_a_mention_notifies_the_colleague_and_is_never_sent(client, services):
    camille, alex, conversation_id = offered_conversation(client, services)
    response = client.post(f"/api/v1/conversations/{conversation_id}/notes",
                           headers=bearer(camille),
                           json={"body": "@Alex elle a payé deux fois", "mentions": [alex.user.id]})
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert (note["author"], note["mentions"]) == ("Camille", [alex.user.id])
    mentioned = events(client, alex, "note.mentioned")
    assert mentioned == [{"note_id": note["id"], "conversation_id": conversation_id,
                          "customer_id": note["customer_id"], "author": "Camille",
                          "excerpt": "@Alex elle a payé deux fois"}]
    assert events(client, camille, "note.mentioned") == []
    run_jobs(services)
    with transaction(services.sessions) as session:
        assert session.scalars(select(Delivery)).all() == []
    items = client.get(f"/api/v1/conversations/{conversation_id}",
                       headers=bearer(camille)).get_json()["items"]
    assert all("payé deux fois" not in item["body"] for item in items)
    listed = client.get(f"/api/v1/customers/{note['customer_id']}/notes", headers=bearer(camille))
    assert [n["body"] for n in listed.get_json()] == ["@Alex elle a payé deux fois"]


def test_a_note_names_the_faulty_field(client, services):
    camille, alex, conversation_id = offered_conversation(client, services)
    url = f"/api/v1/conversations/{conversation_id}/notes"
    unknown = client.post(url, headers=bearer(camille), json={"body": "x", "mentions": [99999]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"mentions": ["no such colleague: 99999"]}
    blank = client.post(url, headers=bearer(camille), json={"body": "   "})
    assert (blank.status_code, list(blank.get_json()["errors"])) == (422, ["body"])
    assert client.post(url, headers=bearer(alex), json={"body": "x"}).status_code == 404


@pytest.fixture
def supervisor(services):
    with transaction(services.sessions) as session:
        return advisor(session, email="sophie@example.test", name="Sophie Bernard",
                       role=Role.SUPERVISOR, queue=False)


def test_only_supervisors_write_canned_responses_and_variables_are_checked(
        client, services, supervisor):
    camille, _alex, _ = offered_conversation(client, services)
    payload = {"shortcut": "rappel", "title": "Rappel", "body": "Bonjour {customer.first_name}"}
    assert client.post("/api/v1/canned-responses", headers=bearer(camille),
                       json=payload).status_code == 403
    created = client.post("/api/v1/canned-responses", headers=bearer(supervisor), json=payload)
    assert created.status_code == 201, created.get_json()
    bad = client.post("/api/v1/canned-responses", headers=bearer(supervisor),
                      json={**payload, "shortcut": "autre", "body": "Votre {password}"})
    assert bad.status_code == 422
    assert "unknown variable {password}" in bad.get_json()["errors"]["body"][0]
    twice = client.post("/api/v1/canned-responses", headers=bearer(supervisor), json=payload)
    assert (twice.status_code, list(twice.get_json()["errors"])) == (409, ["shortcut"])
    canned_id = created.get_json()["id"]
    changed = client.patch(f"/api/v1/canned-responses/{canned_id}", headers=bearer(supervisor),
                           json={"title": "Rappel client"})
    assert changed.get_json()["title"] == "Rappel client"
    assert client.delete(f"/api/v1/canned-responses/{canned_id}",
                         headers=bearer(supervisor)).status_code == 204


def test_shortcut_search_finds_by_prefix_with_slash_or_hash(client, services):
    camille, _alex, _ = offered_conversation(client, services)

    def shortcuts(q: str) -> list[str]:
        found = client.get("/api/v1/canned-responses", query_string={"q": q},
                           headers=bearer(camille)).get_json()
        return [c["shortcut"] for c in found]

    assert shortcuts("/fac") == ["facture"]
    assert shortcuts("#hel") == ["hello"]
    assert shortcuts("pla") == ["plan"]
    assert shortcuts("/nothing") == []
    assert set(shortcuts("")) >= {"bonjour", "facture", "hello", "plan"}


def test_rendering_fills_variables_once_and_keeps_customer_text_literal(
        client, services, supervisor):
    camille, _alex, conversation_id = offered_conversation(client, services)
    with transaction(services.sessions) as session:
        conversation = session.get(Conversation, conversation_id)
        conversation.customer.display_name = "<script>x</script> {advisor.name}"
    body = "Bonjour {customer.first_name}, forfait {plan}, {advisor.name} {{ok}}"
    created = client.post("/api/v1/canned-responses", headers=bearer(supervisor), json={
        "shortcut": "test", "title": "Test", "body": body}).get_json()
    rendered = client.get(f"/api/v1/canned-responses/{created['id']}/rendered",
                          query_string={"conversation_id": conversation_id},
                          headers=bearer(camille))
    assert rendered.status_code == 200, rendered.get_json()
    assert rendered.get_json()["text"] == \
        "Bonjour <script>x</script>, forfait Sosh 100 Go, Camille {ok}"
    other = client.get(f"/api/v1/canned-responses/{created['id']}/rendered",
                       query_string={"conversation_id": conversation_id + 1000},
                       headers=bearer(camille))
    assert other.status_code == 404


@pytest.fixture
def console_thread(client, services):
    """Léa writes from the web console; Camille handles that conversation."""
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session)
        lea = session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))
        session.add(Identity(customer_id=lea, kind="console", address="lea-web"))
        thread = Conversation(customer_id=lea, channel="console", account="demo",
                              thread_key="lea-web", customer_address="lea-web")
        session.add(thread)
        session.flush()
        session.add(WorkItem(conversation_id=thread.id, queue_id=default_queue(session).id,
                             state=WorkState.ASSIGNED, assigned_user_id=camille.user.id))
    return camille, lea, thread.id


def test_reply_by_sms_to_a_console_thread_needs_sms_consent(client, services, console_thread,
                                                             twilio):
    camille, lea, thread_id = console_thread
    options = client.get(f"/api/v1/conversations/{thread_id}/reply-channels",
                         headers=bearer(camille)).get_json()
    assert [(o["channel"], o["current"], o["allowed"]) for o in options] == [
        ("console", True, True), ("webchat", False, True), ("email", False, False),
        ("twilio_sms", False, False)]
    # Léa chatted on the brand's site: the widget reaches her visitor id, not the console's
    assert options[1]["address"] != "lea-web"
    assert options[2]["reason"] == "the customer has not consented to this channel"
    assert options[3]["reason"] == "the customer has not consented to this channel"
    url = f"/api/v1/conversations/{thread_id}/replies"
    refused = client.post(url, headers=bearer(camille),
                          json={"body": "Par SMS ?", "channel": "twilio_sms"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "channel": ["the customer has not consented to this channel"]}
    unknown = client.post(url, headers=bearer(camille), json={"body": "x", "channel": "fax"})
    assert unknown.get_json()["errors"] == {"channel": ["unknown channel 'fax'"]}
    with transaction(services.sessions) as session:
        session.get(Customer, lea).consent_sms = True
    sent = client.post(url, headers=bearer(camille),
                       json={"body": "Je vous réponds par SMS.", "channel": "twilio_sms"})
    assert sent.status_code == 201, sent.get_json()
    assert (sent.get_json()["channel"], sent.get_json()["conversation_id"]) == (
        "twilio_sms", thread_id)
    run_jobs(services)
    message = twilio.wait_for_messages(1, timeout=10)[0]
    assert (message.to, message.body) == (LEA_PHONE, "Je vous réponds par SMS.")


def test_an_sms_reply_longer_than_the_channel_allows_is_refused(client, services):
    camille, _alex, conversation_id = offered_conversation(client, services)
    response = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                           headers=bearer(camille), json={"body": "a" * 1601})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"body": ["the reply is longer than 1600 characters"]}


def test_a_stored_attachment_is_served_to_its_advisor_only(client, services):
    camille, alex, conversation_id = offered_conversation(client, services)
    folder = services.settings.data_path / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "photo-1").write_bytes(b"\x89PNG fake")
    (folder / "page-1").write_bytes(b"<svg onload=alert(1)>")
    with transaction(services.sessions) as session:
        conversation = session.get(Conversation, conversation_id)
        item = session.scalar(select(Interaction).where(
            Interaction.conversation_id == conversation.id))
        png = Attachment(interaction_id=item.id, source_url="x", content_type="image/png",
                         state="stored", storage_key="photo-1")
        svg = Attachment(interaction_id=item.id, source_url="x", content_type="image/svg+xml",
                         state="stored", storage_key="page-1")
        pending = Attachment(interaction_id=item.id, source_url="x", content_type="image/png")
        session.add_all([png, svg, pending])
        session.flush()
        ids = png.id, svg.id, pending.id
    image = client.get(f"/api/v1/attachments/{ids[0]}", headers=bearer(camille))
    assert (image.status_code, image.data, image.mimetype) == (200, b"\x89PNG fake", "image/png")
    assert image.headers["Content-Security-Policy"].startswith("sandbox")
    download = client.get(f"/api/v1/attachments/{ids[1]}", headers=bearer(camille))
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/api/v1/attachments/{ids[2]}", headers=bearer(camille)).status_code == 404
    assert client.get(f"/api/v1/attachments/{ids[0]}", headers=bearer(alex)).status_code == 404


def test_erasing_the_customer_deletes_the_notes_about_them(client, services, supervisor):
    camille, alex, conversation_id = offered_conversation(client, services)
    note = client.post(f"/api/v1/conversations/{conversation_id}/notes", headers=bearer(camille),
                       json={"body": "Léa a payé deux fois", "mentions": [alex.user.id]})
    customer_id = note.get_json()["customer_id"]
    erased = client.post(f"/api/v1/customers/{customer_id}/erase", headers=bearer(supervisor),
                         json={"reason": "GDPR request 42"})
    assert erased.status_code == 200, erased.get_json()
    assert erased.get_json()["counts"]["notes"] == 1
    with transaction(services.sessions) as session:
        assert session.scalars(select(Note)).all() == []
    assert events(client, alex, "note.mentioned") == []
