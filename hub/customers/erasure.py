"""Erasure, table by table (``privacy.erase_customer`` runs it in one transaction).

Every table of the schema is in ``POLICIES`` with what erasure does to it; a test fails
when a table is missing, so a table added later cannot escape erasure unnoticed. Rows that
reports count (conversations, interactions, deliveries, work items) are kept with their
personal fields emptied: interactions per channel per month stay countable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, delete, select, text, update
from sqlalchemy.orm import Session

from hub.customers.references import chunks, primary_key, refers_to, table
from hub.customers.subject import Subject
from hub.db import Base, utcnow
from hub.events import RealtimeEvent

ERASED_NAME = "erased customer"
SQLITE_SEARCH_TABLE = "interactions_fts"  # hub/timeline/search.py FTS_TABLE
NO_PERSONAL_DATA = "no personal data"
ACCOUNT_TABLES = ("account_subscriptions", "account_orders", "account_devices", "account_cases",
                  "account_invoices")
POLICIES: dict[str, str] = {
    "customers": "kept (id, created_at, merges) as 'erased customer'; every other column "
                 "reset; erased_at set",
    "identities": "deleted",
    "conversations": "kept for counts; customer_address, thread_key, subject emptied; closed",
    "interactions": "kept for counts (channel, direction, time, status); body emptied, "
                    "HTML part removed",
    "attachments": "deleted, with their files under DATA_DIR/attachments",
    "deliveries": "kept; to_address, last_error and subject emptied",
    "inbound_events": "deleted: the raw webhooks of their messages and statuses, and any "
                      "raw event mentioning their address, number or name",
    "realtime_events": "deleted: outbox rows about their customer, conversations or messages",
    "work_items": "closed; wrap-up note and routing attributes emptied",
    "offers": "pending ones withdrawn; notes emptied",
    "work_transfers": "notes emptied",
    "account_subscriptions": "deleted",
    "account_orders": "deleted",
    "account_devices": "deleted",
    "account_cases": "deleted",
    "account_invoices": "deleted, unless kept under a legal hold (keep_invoices)",
    "merge_suggestions": "deleted",
    "notes": "deleted: the advisors' private notes about them (docs/inbox.md)",
    "customer_merges": "kept: ids and the advisors' reasons (accountability)",
    "audit_entries": "kept: ids, counts and reasons (accountability)",
    "forum_members": "a linked member is anonymised ('former member'), unlinked, signed out",
    "forum_topics": "kept (forum policy: content stays, its author is anonymised)",
    "forum_posts": "kept (forum policy: content stays, its author is anonymised)",
    "forum_post_revisions": "kept (forum policy)",
    "forum_reports": "kept (forum policy)",
    "forum_moderation_actions": "kept (forum policy)",
    "forum_escalations": "kept: ids of the topic, member, conversation and advisor",
    "forum_private_messages": "body emptied for the member linked to the customer (a copy "
                              "of the private case's interactions)",
    "incident_topics": "kept (forum policy)",
    "incident_conversations": "kept: ids only (an incident and a conversation kept for "
                              "counts)",
    "users": "advisors, not customers",
    **{name: NO_PERSONAL_DATA for name in (
        "teams", "api_tokens", "queues", "queue_members", "forum_categories", "forum_ranks",
        "forum_tags", "forum_topic_tags", "forum_badge_awards", "forum_reputation_events",
        "forum_kudos", "forum_suggestion_clicks", "skills", "wrap_up_codes", "routing_rules",
        "canned_responses", "forum_watches", "incidents", "incident_updates")},
}
KEEP_ON_CUSTOMER = ("id", "created_at", "merged_into_id")


@dataclass
class Erased:
    counts: dict[str, int] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)


def erase_rows(session: Session, subject: Subject, *, keep_invoices: bool) -> Erased:
    out = Erased()
    out.event_ids = _scan_delete(session, table("inbound_events"), subject.owns_event,
                                 columns=("channel", "external_id", "url", "headers", "form",
                                          "query", "body"))
    out.counts["inbound_events"] = len(out.event_ids)
    out.counts["realtime_events"] = len(_scan_delete(
        session, RealtimeEvent.__table__, lambda row: subject.owns_payload(row.payload),
        columns=("payload",)))
    _timeline(session, subject, out)
    _routing(session, subject, out)
    ids = subject.customer_ids
    for name in ("identities", "notes", *ACCOUNT_TABLES):
        if name == "account_invoices" and keep_invoices:
            continue
        t = table(name)
        out.counts[name] = session.execute(delete(t).where(t.c.customer_id.in_(ids))).rowcount
    suggestions = table("merge_suggestions")
    out.counts["merge_suggestions"] = session.execute(delete(suggestions).where(
        suggestions.c.low_id.in_(ids) | suggestions.c.high_id.in_(ids))).rowcount
    out.counts["forum_members"] = _forum_members(session, ids)
    for t, column in _unlisted_references():  # a table added without a policy: delete
        out.counts[t.name] = session.execute(delete(t).where(column.in_(ids))).rowcount
    customers = table("customers")
    session.execute(update(customers).where(customers.c.id.in_(ids))
                    .values(_anonymised(customers)))
    _compact_search_index(session)
    return out


def _compact_search_index(session: Session) -> None:
    """The search index follows the bodies (PostgreSQL: a generated column; SQLite: FTS5
    triggers), but FTS5 only marks deleted terms until its segments are merged: merge them
    so the erased words leave the index (timeline search, migration a1timeline)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    exists = session.scalar(text("SELECT 1 FROM sqlite_master WHERE name = :name"),
                            {"name": SQLITE_SEARCH_TABLE})
    if exists:
        session.execute(text("INSERT INTO interactions_fts(interactions_fts) "
                             "VALUES ('optimize')"))


def _timeline(session: Session, subject: Subject, out: Erased) -> None:
    interactions, attachments = table("interactions"), table("attachments")
    deliveries, conversations = table("deliveries"), table("conversations")
    theirs = select(interactions.c.id).where(interactions.c.customer_id.in_(subject.customer_ids))
    out.attachment_ids = list(session.scalars(
        select(attachments.c.id).where(attachments.c.interaction_id.in_(theirs))))
    out.counts["attachments"] = session.execute(
        delete(attachments).where(attachments.c.interaction_id.in_(theirs))).rowcount
    out.delivery_ids = list(session.scalars(
        select(deliveries.c.id).where(deliveries.c.interaction_id.in_(theirs))))
    out.counts["deliveries"] = session.execute(
        update(deliveries).where(deliveries.c.interaction_id.in_(theirs))
        .values(to_address="", last_error="", subject="")).rowcount
    out.counts["interactions"] = session.execute(
        update(interactions).where(interactions.c.customer_id.in_(subject.customer_ids))
        .values(body="", html=None)).rowcount
    out.counts["conversations"] = session.execute(
        update(conversations).where(conversations.c.customer_id.in_(subject.customer_ids))
        .values(customer_address="", thread_key="", subject="", status="closed")).rowcount


def _routing(session: Session, subject: Subject, out: Erased) -> None:
    """Their work leaves the queues; what advisors wrote about it is emptied."""
    work_items, offers, conversations = table("work_items"), table("offers"), \
        table("conversations")
    theirs = select(conversations.c.id).where(
        conversations.c.customer_id.in_(subject.customer_ids))
    items = select(work_items.c.id).where(work_items.c.conversation_id.in_(theirs))
    now = utcnow()
    session.execute(update(offers).where(offers.c.work_item_id.in_(items),
                                         offers.c.state == "pending")
                    .values(state="withdrawn", answered_at=now))
    out.counts["offers"] = _empty(session, offers, offers.c.work_item_id.in_(items),
                                  note="")
    session.execute(update(work_items).where(work_items.c.conversation_id.in_(theirs),
                                             work_items.c.state != "closed")
                    .values(state="closed", updated_at=now))
    out.counts["work_items"] = _empty(session, work_items,
                                      work_items.c.conversation_id.in_(theirs),
                                      wrap_up_note="", attributes={})
    transfers = Base.metadata.tables.get("work_transfers")
    if transfers is not None:
        out.counts["work_transfers"] = _empty(session, transfers,
                                              transfers.c.work_item_id.in_(items), note="")


def _empty(session: Session, t: Table, where: Any, **values: Any) -> int:
    """Set the columns of ``values`` that this table has (areas grow their own columns)."""
    present = {name: value for name, value in values.items() if name in t.c}
    if not present:
        return 0
    return session.execute(update(t).where(where).values(present)).rowcount


def _forum_members(session: Session, customer_ids: list[int]) -> int:
    members = Base.metadata.tables.get("forum_members")
    if members is None:
        return 0
    ids = list(session.scalars(select(members.c.id).where(
        members.c.customer_id.in_(customer_ids))))
    for member_id in ids:
        values = {"email": f"erased-member-{member_id}@invalid", "pseudonym": "former member",
                  "pseudonym_key": f"former-member-{member_id}", "bio": "",
                  "password_hash": "!", "email_verified_at": None, "customer_id": None,
                  "phone": None, "phone_verified_at": None,
                  "session_version": members.c.session_version + 1}
        session.execute(update(members).where(members.c.id == member_id).values(
            {k: v for k, v in values.items() if k in members.c}))
    private = Base.metadata.tables.get("forum_private_messages")
    if private is not None and ids:
        session.execute(update(private).where(private.c.member_id.in_(ids)).values(body=""))
    return len(ids)


def _scan_delete(session: Session, t: Table, owns: Any, *, columns: tuple[str, ...],
                 batch: int = 500) -> list[int]:
    """Rows without a customer column are read in id order, batch by batch, and the
    subject's are deleted."""
    pk = primary_key(t)
    found: list[int] = []
    last = 0
    while True:
        rows = session.execute(select(pk, *(t.c[c] for c in columns))
                               .where(pk > last).order_by(pk).limit(batch)).all()
        if not rows:
            break
        found += [row[0] for row in rows if owns(row)]
        last = rows[-1][0]
    for chunk in chunks(found):
        session.execute(delete(t).where(pk.in_(chunk)))
    return found


def _unlisted_references() -> list[tuple[Table, Column[Any]]]:
    customers = table("customers")
    return [(t, column) for t in Base.metadata.sorted_tables if t.name not in POLICIES
            for column in t.columns if refers_to(column, customers)]


def _anonymised(customers: Table) -> dict[str, Any]:
    """Every column back to its default (or NULL), except the id, the creation time and
    the merge link; the name says what happened."""
    values: dict[str, Any] = {}
    for column in customers.columns:
        if column.name in KEEP_ON_CUSTOMER:
            continue
        if column.nullable:
            values[column.name] = None
        elif column.default is not None and column.default.is_callable:
            values[column.name] = column.default.arg(None)  # type: ignore[union-attr]
        elif column.default is not None and column.default.is_scalar:
            values[column.name] = column.default.arg  # type: ignore[union-attr]
        else:
            raise RuntimeError(f"customers.{column.name} has no default to erase to")
    values["display_name"] = ERASED_NAME
    values["erased_at"] = utcnow()
    return values
