"""Small builders for timeline tests: a customer, their conversations and interactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hub.customers.models import Customer
from hub.db import Effects, make_engine, make_sessionmaker
from hub.migrate import upgrade
from hub.timeline.models import Attachment, Conversation, Interaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def customer(session: Session, name: str = "Léa Dubois") -> Customer:
    row = Customer(display_name=name, language="fr")
    session.add(row)
    session.flush()
    return row


def conversation(session: Session, owner: Customer, channel: str = "twilio_sms") -> Conversation:
    row = Conversation(customer_id=owner.id, channel=channel, account="main",
                       thread_key=f"{channel}-{owner.id}", customer_address="+33612345678")
    session.add(row)
    session.flush()
    return row


def interaction(session: Session, thread: Conversation, body: str = "", *, minutes: float = 0,
                direction: str = "inbound", attachments: int = 0) -> Interaction:
    row = Interaction(
        conversation_id=thread.id, customer_id=thread.customer_id, channel=thread.channel,
        direction=direction, body=body, status="received" if direction == "inbound" else "sent",
        occurred_at=T0 + timedelta(minutes=minutes),
        attachments=[Attachment(source_url=f"https://media.example.test/{n}",
                                content_type="image/jpeg") for n in range(attachments)],
    )
    session.add(row)
    session.flush()
    return row


def migrate_sqlite(path: Path) -> Path:
    """The embedded default: a SQLite file migrated with every migration."""
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_sessions(path: Path) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(f"sqlite:///{path}"), Effects())
