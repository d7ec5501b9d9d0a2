"""gdpr_erasure: after erasure no canary is left in any table, search index, stored file or
Redis key/value; other customers are untouched; counts for reports survive."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.audit.models import AuditEntry
from hub.customers.erasure import ERASED_NAME
from hub.customers.models import Customer
from hub.models import Base
from hub.timeline.models import Interaction
from tests.conftest import run_jobs
from tests.personas import LEA_PHONE
from tests.privacy.seed import (
    OTHER,
    bearer,
    database_hits,
    file_hits,
    found_in,
    plain,
    redis_hits,
    seed,
)


def other_rows(session) -> dict[str, str]:
    """Every row that mentions Léa, as text, keyed by table and primary key."""
    rows = {}
    for t in Base.metadata.sorted_tables:
        for row in session.execute(select(t)):
            textual = " | ".join(plain(v) for v in row)
            if found_in(textual, (OTHER, LEA_PHONE)):
                key = tuple(row._mapping[c] for c in t.primary_key.columns)
                rows[f"{t.name}{key}"] = textual
    return rows


def channel_counts(session, customer_id: int) -> dict[str, int]:
    return dict(session.execute(
        select(Interaction.channel, func.count()).where(Interaction.customer_id == customer_id)
        .group_by(Interaction.channel)).all())


def test_erasure_leaves_no_canary_anywhere(client, services, twilio, settings):
    seeded = seed(client, services, twilio, settings)
    with services.sessions() as session:
        seen = {hit.split(":")[0] for hit in database_hits(session)}
        assert {"customers", "identities", "conversations", "interactions", "attachments",
                "deliveries", "inbound_events", "realtime_events"} <= seen
        lea_before = other_rows(session)
        counts_before = channel_counts(session, seeded.customer_id)
    assert counts_before == {"twilio_sms": 3, "console": 1}
    assert file_hits(settings.data_path) and redis_hits(services.redis)

    response = client.post(f"/api/v1/customers/{seeded.customer_id}/erase",
                           json={"reason": "Art. 17 request #42"},
                           headers=bearer(seeded.supervisor))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["complete"] is True
    assert report["purged"]["files"] == 1 and report["purged"]["cached_keys"] == 1
    run_jobs(services)  # the queued SMS job went with its event: nothing comes back

    with services.sessions() as session:
        assert database_hits(session) == []
        assert other_rows(session) == lea_before
        assert channel_counts(session, seeded.customer_id) == counts_before
        erased = session.get(Customer, seeded.customer_id)
        assert (erased.display_name, erased.erased_at is not None) == (ERASED_NAME, True)
        assert session.get(Customer, seeded.chat_customer_id).display_name == ERASED_NAME
        (entry,) = session.scalars(select(AuditEntry)
                                   .where(AuditEntry.action == "customer.erase")).all()
        assert (entry.actor_user_id, entry.reason) == (seeded.supervisor.user.id,
                                                       "Art. 17 request #42")
    assert file_hits(settings.data_path) == []
    assert redis_hits(services.redis) == []


def test_the_command_line_erases_too_and_a_second_run_is_harmless(
        client, services, twilio, settings):
    from click.testing import CliRunner

    from hub.cli import main

    seeded = seed(client, services, twilio, settings)
    runner = CliRunner()
    refused = runner.invoke(main, ["customer", "erase", str(seeded.chat_customer_id),
                                   "--reason", "request #7", "--yes"])
    assert refused.exit_code != 0 and "was merged into customer" in refused.output
    for _ in range(2):
        result = runner.invoke(main, ["customer", "erase", str(seeded.customer_id),
                                      "--reason", "request #7", "--keep-invoices", "--yes"])
        assert result.exit_code == 0, result.output
    with services.sessions() as session:
        assert database_hits(session) == []
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "customer.erase")).all()
        assert [e.actor.startswith("cli:") for e in entries] == [True, True]
        assert entries[0].details["legal_hold"] == ["account_invoices"]
    assert file_hits(settings.data_path) == [] and redis_hits(services.redis) == []


def test_a_kept_invoice_is_a_recorded_legal_hold(client, services):
    from hub.customers.models import Invoice
    from hub.db import transaction
    from tests.personas import advisor, demo_customers

    with transaction(services.sessions) as session:
        demo_customers(session)
        from hub.auth.models import Role
        boss = advisor(session, email="sam@example.test", role=Role.SUPERVISOR)
        lea_id, invoices = session.execute(
            select(Invoice.customer_id, func.count()).group_by(Invoice.customer_id)
            .order_by(Invoice.customer_id).limit(1)).one()
    response = client.post(f"/api/v1/customers/{lea_id}/erase", headers=bearer(boss),
                           json={"reason": "dispute over an unpaid invoice", "keep_invoices": True})
    assert response.get_json()["legal_hold"] == ["account_invoices"]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)
                              .where(Invoice.customer_id == lea_id)) == invoices
