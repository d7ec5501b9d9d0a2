"""GDPR: export one customer's data (Art. 15/20) and erase it (Art. 17). Both audited.

``erase_customer`` works in the caller's transaction (what each table undergoes is in
``erasure.POLICIES``); once it has committed, ``purge_outside_database`` deletes the
stored files, the queued jobs and the cached account data in Redis. A failed purge is
finished by erasing again: the ids to purge are taken from earlier erasures' audit entries.
See docs/privacy.md for what neither can reach (copies at Twilio or Meta, logs, backups).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.audit.service import Actor, record
from hub.customers.crm import CACHE_PREFIX
from hub.customers.erasure import ACCOUNT_TABLES, erase_rows
from hub.customers.models import Customer
from hub.customers.references import table
from hub.customers.subject import collect, merged_into
from hub.db import utcnow
from hub.domain.errors import NotAllowed

log = logging.getLogger(__name__)
EXPORT_FORMAT = "entraide.customer-export/1"
# Job ids as the services define them (intake: event_job_id, workers.media: media_job_id,
# replies: delivery_job_id); a test checks they still agree.
JOB_IDS = {"event_ids": "event-{}", "attachment_ids": "media-{}", "delivery_ids": "delivery-{}"}
# Redis keys holding one customer's data: the CRM account cache (hub/customers/crm.py).
CUSTOMER_KEY_PATTERNS = (CACHE_PREFIX + "{id}", CACHE_PREFIX + "{id}:*")
COLUMNS = {
    "identities": ("id", "kind", "address", "verified", "created_at"),
    "conversations": ("id", "channel", "account", "customer_address", "subject", "status",
                      "created_at", "last_activity_at"),
    "interactions": ("id", "conversation_id", "channel", "direction", "body", "status",
                     "error_code", "occurred_at"),
    "attachments": ("id", "interaction_id", "content_type", "filename", "size", "state",
                    "source_url", "storage_key"),
    "deliveries": ("id", "interaction_id", "channel", "to_address", "state", "attempts",
                   "created_at", "sent_at"),
}


def export_customer(session: Session, *, customer_id: int, actor: Actor,
                    reason: str) -> dict[str, Any]:
    """One JSON-ready document: the customer, identities, conversations, every
    interaction in timeline order, attachments (with their stored file names), deliveries
    and account rows."""
    customer = _live_customer(session, customer_id, verb="export")
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "customer": _customer(session, customer.id,
                              merged_ids=merged_into(session, customer.id)),
        **_timeline(session, customer.id),
        "account": {name.removeprefix("account_"): _rows(session, table(name), customer.id)
                    for name in ACCOUNT_TABLES},
    }
    record(session, actor=actor, action="customer.export", subject_type="customer",
           subject_id=customer.id, reason=reason,
           details={"interactions": len(document["interactions"]),
                    "attachments": len(document["attachments"])})
    return document


@dataclass
class ErasureReport:
    customer_id: int
    counts: dict[str, int]
    legal_hold: list[str]
    to_purge: dict[str, list[int]]
    purged: dict[str, int] = field(default_factory=dict)
    complete: bool = False


def erase_customer(session: Session, *, customer_id: int, actor: Actor, reason: str,
                   keep_invoices: bool = False, region: str = "FR") -> ErasureReport:
    """Delete or irreversibly anonymise the customer's personal data in every table (and
    the customers merged into them). Run again to finish an interrupted purge."""
    customer = _live_customer(session, customer_id, verb="erase", lock=True)
    subject = collect(session, customer, region)
    erased = erase_rows(session, subject, keep_invoices=keep_invoices)
    to_purge = _earlier_purges(session, customer.id)
    for name in JOB_IDS:
        to_purge[name] = sorted(set(to_purge.get(name, [])) | set(getattr(erased, name)))
    to_purge["customer_ids"] = subject.customer_ids
    hold = ["account_invoices"] if keep_invoices else []
    record(session, actor=actor, action="customer.erase", subject_type="customer",
           subject_id=customer.id, reason=reason,
           details={"counts": erased.counts, "merged_customer_ids": subject.customer_ids[1:],
                    "legal_hold": hold, "purge": to_purge})
    session.expire_all()
    return ErasureReport(customer.id, erased.counts, hold, to_purge)


def purge_outside_database(report: ErasureReport, *, redis: Redis,
                           data_path: Path) -> ErasureReport:
    """After commit: stored files, queued or failed jobs, cached account data."""
    report.purged["files"] = _delete_files(data_path / "attachments",
                                           report.to_purge.get("attachment_ids", []))
    try:
        report.purged["jobs"] = _delete_jobs(redis, report.to_purge)
        report.purged["cached_keys"] = _delete_cached(redis, report.to_purge["customer_ids"])
    except RedisError:
        log.warning("erasure of customer %s: Redis unavailable, erase again to finish",
                    report.customer_id, exc_info=True)
        return report
    report.complete = True
    return report


def _live_customer(session: Session, customer_id: int, *, verb: str,
                   lock: bool = False) -> Customer:
    query = select(Customer).where(Customer.id == customer_id)
    customer = session.scalar(query.with_for_update() if lock else query)
    if customer is None:
        raise NotAllowed("no such customer")
    if customer.merged_into_id is not None:
        raise NotAllowed(f"customer {customer.id} was merged into customer "
                         f"{customer.merged_into_id}: {verb} that customer")
    return customer


def _customer(session: Session, customer_id: int, *, merged_ids: list[int]) -> dict[str, Any]:
    customers = table("customers")
    row = session.execute(select(customers).where(customers.c.id == customer_id)).one()
    data = {k: _plain(v) for k, v in row._mapping.items()
            if k not in ("name_key", "merged_into_id")}
    data["merged_customer_ids"] = merged_ids
    return data


def _timeline(session: Session, customer_id: int) -> dict[str, list[dict[str, Any]]]:
    conversations, interactions = table("conversations"), table("interactions")
    theirs = select(interactions.c.id).where(interactions.c.customer_id == customer_id)
    items = _select(session, "interactions", interactions.c.customer_id == customer_id,
                    order=(interactions.c.occurred_at, interactions.c.id))
    attachments = _select(session, "attachments", table("attachments").c.interaction_id
                          .in_(theirs))
    for attachment in attachments:
        key = attachment.pop("storage_key")
        attachment["stored_file"] = f"attachments/{key}" if key else None
    return {
        "identities": _select(session, "identities",
                              table("identities").c.customer_id == customer_id),
        "conversations": _select(session, "conversations",
                                 conversations.c.customer_id == customer_id),
        "interactions": items,
        "attachments": attachments,
        "deliveries": _select(session, "deliveries",
                              table("deliveries").c.interaction_id.in_(theirs)),
    }


def _select(session: Session, name: str, where: Any, order: Any = ()) -> list[dict[str, Any]]:
    t = table(name)
    query = select(*(t.c[c] for c in COLUMNS[name])).where(where)
    query = query.order_by(*(order or (t.c.id,)))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.execute(query)]


def _rows(session: Session, t: Table, customer_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(t).where(t.c.customer_id == customer_id).order_by(t.c.id))
    return [{k: _plain(v) for k, v in row._mapping.items() if k != "customer_id"}
            for row in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _earlier_purges(session: Session, customer_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for details in session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "customer.erase", AuditEntry.subject_type == "customer",
            AuditEntry.subject_id == str(customer_id))):
        for name in JOB_IDS:
            found.setdefault(name, []).extend(details.get("purge", {}).get(name, []))
    return found


def _delete_files(folder: Path, attachment_ids: list[int]) -> int:
    """Stored names start with the attachment id: a file written by a fetch that raced
    the erasure is found too."""
    if not folder.is_dir():
        return 0
    count = 0
    for attachment_id in attachment_ids:
        for path in folder.glob(f"{int(attachment_id)}-*"):
            path.unlink(missing_ok=True)
            count += 1
    return count


def _delete_jobs(redis: Redis, to_purge: dict[str, list[int]]) -> int:
    count = 0
    for name, template in JOB_IDS.items():
        for row_id in to_purge.get(name, []):
            try:
                Job.fetch(template.format(int(row_id)), connection=redis).delete()
            except NoSuchJobError:
                continue
            count += 1
    return count


def forget_cached_accounts(redis: Redis, customer_ids: list[int]) -> int:
    """Drop cached account data (after a merge, an unmerge or an erasure)."""
    return _delete_cached(redis, customer_ids)


def _delete_cached(redis: Redis, customer_ids: list[int]) -> int:
    count = 0
    for customer_id in customer_ids:
        for pattern in CUSTOMER_KEY_PATTERNS:
            keys = list(redis.scan_iter(match=pattern.format(id=int(customer_id))))
            if keys:
                count += int(redis.delete(*keys))
    return count
