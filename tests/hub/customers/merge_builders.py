"""Builders for merge and suggestion tests: customers with identities, threads and items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.audit.service import Actor
from hub.customers.models import Customer, Identity, Invoice
from hub.routing.models import WorkItem, WorkState
from hub.routing.service import default_queue
from hub.timeline.models import Conversation, Interaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADVISOR = Actor.system("tests")


def person(session: Session, name: str, *addresses: tuple[str, str],
           verified: bool = True) -> Customer:
    customer = Customer(display_name=name, language="fr")
    session.add(customer)
    session.flush()
    for kind, address in addresses:
        session.add(Identity(customer_id=customer.id, kind=kind, address=address,
                             verified=verified))
    session.flush()
    return customer


def thread(session: Session, owner: Customer, *minutes: float, channel: str = "twilio_sms",
           key: str | None = None) -> Conversation:
    """A conversation with one inbound item at each of ``minutes`` after T0."""
    conversation = Conversation(customer_id=owner.id, channel=channel, account="demo",
                                thread_key=key or f"{channel}-{owner.id}-{minutes}",
                                customer_address=key or f"addr-{owner.id}")
    session.add(conversation)
    session.flush()
    for minute in minutes:
        item(session, conversation, minute)
    return conversation


def item(session: Session, conversation: Conversation, minute: float,
         body: str = "") -> Interaction:
    row = Interaction(conversation_id=conversation.id, customer_id=conversation.customer_id,
                      channel=conversation.channel, direction="inbound",
                      body=body or f"message at {minute}", status="received",
                      occurred_at=T0 + timedelta(minutes=minute))
    session.add(row)
    session.flush()
    return row


def invoice(session: Session, owner: Customer, number: str) -> Invoice:
    row = Invoice(customer_id=owner.id, number=number, amount=10, status="paid",
                  issued_on=T0.date())
    session.add(row)
    session.flush()
    return row


def assign(session: Session, user_id: int, conversation: Conversation) -> WorkItem:
    """The advisor handles this conversation (so access_customer lets them in)."""
    work = WorkItem(conversation_id=conversation.id, queue_id=default_queue(session).id,
                    state=WorkState.ASSIGNED, assigned_user_id=user_id)
    session.add(work)
    session.flush()
    return work


def timeline(session: Session, customer_id: int) -> list[tuple[int, str]]:
    session.expire_all()
    return [(row.id, row.body) for row in session.scalars(
        select(Interaction).where(Interaction.customer_id == customer_id)
        .order_by(Interaction.occurred_at, Interaction.id))]


def audit_count(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == action))
