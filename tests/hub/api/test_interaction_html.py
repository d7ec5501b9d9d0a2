"""An email's HTML part from `entraide smtp` to the advisor: sanitized and stored at ingest,
flagged on the timeline, served under a CSP of its own to whoever may see the customer."""

from __future__ import annotations

from sqlalchemy import select

from hub.timeline.models import Interaction
from tests.channels.email.mails import HOSTILE_HTML, alternative, plain
from tests.channels.email.test_outbound import accept, receive
from tests.workers.helpers import available_advisor


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def test_the_html_part_is_stored_sanitized_and_served_in_a_sandbox(client, services,
                                                                    db_session):
    camille = available_advisor(services)
    receive(services, alternative("Bonjour, ma facture est fausse.", HOSTILE_HTML))
    conversation_id = accept(services, camille.user.id)
    (interaction,) = db_session.scalars(select(Interaction)).all()
    assert interaction.body == "Bonjour, ma facture est fausse."
    assert "<b>l'équipe</b>" in interaction.html
    assert "script" not in interaction.html and "onerror" not in interaction.html

    shown = client.get(f"/api/v1/conversations/{conversation_id}", headers=bearer(camille))
    assert shown.get_json()["items"][0]["has_html"] is True
    page = client.get(f"/api/v1/customers/{interaction.customer_id}/timeline",
                      headers=bearer(camille)).get_json()
    assert page["items"][0]["has_html"] is True
    assert "html" not in page["items"][0]  # the markup never rides along with the timeline

    response = client.get(f"/api/v1/interactions/{interaction.id}/html", headers=bearer(camille))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-popups allow-popups-to-escape-sandbox;")
    assert "default-src 'none'" in csp and "img-src data:" in csp
    assert "script-src" not in csp and "allow-scripts" not in csp
    assert "allow-same-origin" not in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page_html = response.get_data(as_text=True)
    assert "<b>l'équipe</b>" in page_html and "<script" not in page_html


def test_a_text_mail_has_no_html_part(client, services, db_session):
    camille = available_advisor(services)
    receive(services, plain("Texte seul", message_id="<txt-1@example.com>"))
    accept(services, camille.user.id)
    (interaction,) = db_session.scalars(select(Interaction)).all()
    assert interaction.html is None and interaction.has_html is False
    response = client.get(f"/api/v1/interactions/{interaction.id}/html", headers=bearer(camille))
    assert response.status_code == 404
    assert response.get_json()["errors"]


def test_an_advisor_who_does_not_handle_the_customer_gets_a_404(client, services, db_session):
    camille = available_advisor(services)
    receive(services, alternative("Bonjour", "<p>Bonjour</p>", message_id="<h-2@example.com>"))
    accept(services, camille.user.id)
    noe = available_advisor(services, email="noe@example.test", name="Noé", queue=False)
    (interaction,) = db_session.scalars(select(Interaction)).all()
    for persona, status in ((noe, 404), (camille, 200)):
        response = client.get(f"/api/v1/interactions/{interaction.id}/html",
                              headers=bearer(persona))
        assert response.status_code == status
    assert client.get(f"/api/v1/interactions/{interaction.id}/html").status_code == 401
    assert client.get("/api/v1/interactions/999999/html",
                      headers=bearer(camille)).status_code == 404


def test_a_live_html_mail_on_an_assigned_conversation_is_pushed_with_has_html(
        client, services, db_session):
    from hub.events import RealtimeEvent

    camille = available_advisor(services)
    receive(services, plain("Bonjour", message_id="<live-1@example.com>"))
    accept(services, camille.user.id)
    follow_up = alternative("Suite", "<p>Suite <b>HTML</b></p>",
                            message_id="<live-2@example.com>", sender="lea@example.com")
    follow_up["In-Reply-To"] = "<live-1@example.com>"  # the same thread
    receive(services, follow_up)
    pushed = [e.payload for e in db_session.scalars(select(RealtimeEvent).where(
        RealtimeEvent.name == "message.created"))]
    assert [(p["body"], p["has_html"]) for p in pushed] == [("Suite", True)]
