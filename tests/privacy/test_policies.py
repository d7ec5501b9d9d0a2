"""Erasure cannot silently miss a table, a job or a cache key."""

from __future__ import annotations

from hub.customers.crm import CACHE_PREFIX
from hub.customers.erasure import POLICIES
from hub.customers.privacy import CUSTOMER_KEY_PATTERNS, JOB_IDS
from hub.customers.references import customer_columns
from hub.intake.service import event_job_id
from hub.models import Base
from hub.replies.service import delivery_job_id
from workers.media import media_job_id


def test_every_table_has_an_erasure_policy():
    missing = [t.name for t in Base.metadata.sorted_tables if t.name not in POLICIES]
    assert missing == [], (
        "say what erasure does to these tables in hub/customers/erasure.py POLICIES "
        "(and docs/privacy.md)")


def test_every_column_pointing_at_a_customer_moves_with_a_merge():
    moved = {f"{c.table.name}.{c.name}" for c in customer_columns()}
    assert {"identities.customer_id", "conversations.customer_id",
            "interactions.customer_id", "account_invoices.customer_id"} <= moved
    assert not any(name.startswith(("customer_merges.", "merge_suggestions.", "customers."))
                   for name in moved)


def test_the_job_ids_and_cache_keys_erasure_deletes_are_the_ones_in_use():
    assert JOB_IDS["event_ids"].format(7) == event_job_id(7)
    assert JOB_IDS["attachment_ids"].format(7) == media_job_id(7)
    assert JOB_IDS["delivery_ids"].format(7) == delivery_job_id(7)
    assert CUSTOMER_KEY_PATTERNS[0].format(id=7) == f"{CACHE_PREFIX}7"
