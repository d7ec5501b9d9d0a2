"""gdpr_export: one document with every item of the customer's timeline, their
attachments and deliveries, and nobody else's data."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from hub.api.schemas import ExportOut
from hub.audit.models import AuditEntry
from hub.cli import main
from hub.timeline.models import Attachment, Interaction
from tests.personas import LEA_PHONE
from tests.privacy.seed import CHAT_ADDRESS, OTHER, PHONE, bearer, found_in, seed


def test_the_export_is_the_whole_timeline_and_only_it(client, services, twilio, settings):
    seeded = seed(client, services, twilio, settings)
    url = f"/api/v1/customers/{seeded.customer_id}/export"
    response = client.get(f"{url}?reason=Art.%2015%20request%20%2342",
                          headers=bearer(seeded.supervisor))
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert ExportOut().validate(document) == {}

    with services.sessions() as session:
        timeline = session.scalars(
            select(Interaction.id).where(Interaction.customer_id == seeded.customer_id)
            .order_by(Interaction.occurred_at, Interaction.id)).all()
        attachments = session.scalar(select(func.count()).select_from(Attachment).join(
            Interaction).where(Interaction.customer_id == seeded.customer_id))
        exports = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "customer.export"))
    assert [item["id"] for item in document["interactions"]] == timeline
    assert len(timeline) == 4 and exports == 1
    assert len(document["attachments"]) == attachments == 1
    (attachment,) = document["attachments"]
    assert (settings.data_path / attachment["stored_file"]).is_file()
    assert {(i["kind"], i["address"]) for i in document["identities"]} == {
        ("phone", PHONE), ("console", CHAT_ADDRESS)}
    assert [d["to_address"] for d in document["deliveries"]] == [PHONE]
    assert document["customer"]["merged_customer_ids"] == [seeded.chat_customer_id]
    assert len(document["account"]) == 5
    assert found_in(json.dumps(document, ensure_ascii=False), (OTHER, LEA_PHONE)) == []


def test_only_supervisors_export_with_a_reason_and_never_a_tombstone(
        client, services, twilio, settings):
    seeded = seed(client, services, twilio, settings)
    url = f"/api/v1/customers/{seeded.customer_id}/export"
    assert client.get(f"{url}?reason=curious", headers=bearer(seeded.advisor)).status_code \
        == 403
    assert client.get(url, headers=bearer(seeded.supervisor)).status_code == 422
    tombstone = client.get(f"/api/v1/customers/{seeded.chat_customer_id}/export?reason=asked",
                           headers=bearer(seeded.supervisor))
    assert tombstone.status_code == 409
    assert "merged into customer" in tombstone.get_json()["errors"]["_"][0]
    with services.sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["customer.merge"]


def test_the_command_line_export_matches_the_api(client, services, twilio, settings, tmp_path):
    seeded = seed(client, services, twilio, settings)
    target = tmp_path / "export.json"
    result = CliRunner().invoke(main, ["customer", "export", str(seeded.customer_id),
                                       "--reason", "request #9", "-o", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert ExportOut().validate(document) == {}
    assert len(document["interactions"]) == 4
    with services.sessions() as session:
        (entry,) = session.scalars(select(AuditEntry)
                                   .where(AuditEntry.action == "customer.export")).all()
        assert entry.actor.startswith("cli:") and entry.reason == "request #9"
