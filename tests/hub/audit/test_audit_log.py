"""sec_audit_log (merges, exports, erasures): exactly one entry per action, with who and
why; reasons cannot inject log lines or hide text."""

from __future__ import annotations

import logging

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.audit.service import Actor, neutralise, record
from hub.auth.models import Role
from hub.db import transaction
from tests.hub.customers.merge_builders import person, thread
from tests.personas import advisor

FORGED = "ok\r\n2026-11-27 INFO audit #1 customer.erase by user:1: fine\x1b[31m\u202eevil\x00"


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def test_control_characters_are_encoded_not_written():
    assert neutralise("a\nb") == "a\\x0ab"
    assert neutralise("tab\there\u2028") == "tab\\x09here\\u2028"
    assert neutralise("C:\\x0a") == "C:\\\\x0a"  # an encoded form cannot be forged either
    assert neutralise("Léa Dubois, n° 42\u202f: ok") == "Léa Dubois, n° 42\u202f: ok"
    assert neutralise("tag\U000e0041") == "tag\\U000e0041"


def test_a_forged_reason_is_stored_and_logged_on_one_line(db_session, caplog):
    with caplog.at_level(logging.INFO, logger="hub.audit.service"):
        entry = record(db_session, actor=Actor(label="user:1\nuser:2"), action="customer.erase",
                       subject_type="customer", subject_id=5, reason=FORGED)
    assert not any(ch in entry.reason + entry.actor for ch in "\r\n\x1b\u202e\x00")
    assert "\\x0d\\x0a2026-11-27" in entry.reason and "\\u202e" in entry.reason
    (line,) = [r.getMessage() for r in caplog.records if "customer.erase" in r.getMessage()]
    assert "\n" not in line and "\r" not in line


def test_merge_unmerge_export_and_erase_each_write_one_entry_with_who_and_why(client, services):
    with transaction(services.sessions) as session:
        boss = advisor(session, email="sam@example.test", role=Role.SUPERVISOR)
        lea = person(session, "Léa Dubois", ("phone", "+33612345678"))
        twin = person(session, "Lea Dubois", ("email", "lea@example.test"))
        thread(session, lea, 1)
        lea_id, twin_id = lea.id, twin.id
    calls = [
        ("customer.merge", "post", f"/api/v1/customers/{lea_id}/merge",
         {"other_id": twin_id, "reason": FORGED}),
        ("customer.unmerge", "post", "/api/v1/merges/1/undo", {"reason": "two people"}),
        ("customer.export", "get", f"/api/v1/customers/{lea_id}/export?reason=request%2042",
         None),
        ("customer.erase", "post", f"/api/v1/customers/{lea_id}/erase", {"reason": "request 42"}),
    ]
    for action, verb, url, body in calls:
        response = getattr(client, verb)(url, json=body, headers=bearer(boss))
        assert response.status_code in (200, 201), (action, response.get_json())
        with services.sessions() as session:
            (entry,) = session.scalars(select(AuditEntry)
                                       .where(AuditEntry.action == action)).all()
            assert (entry.actor_user_id, entry.actor) == (boss.user.id, f"user:{boss.user.id}")
            assert entry.subject_id == str(lea_id) and len(entry.reason) >= 3
    with services.sessions() as session:
        assert len(session.scalars(select(AuditEntry)).all()) == len(calls)
        merge_reason = session.scalar(select(AuditEntry.reason)
                                      .where(AuditEntry.action == "customer.merge"))
        assert merge_reason == neutralise(FORGED)
