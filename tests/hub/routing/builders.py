"""Building blocks of the routing tests: customers, conversations, queues and advisors
with skills, languages and capacity, and work opened the way the intake worker opens it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from hub.auth.models import Role, User
from hub.customers.models import Customer
from hub.routing.models import Offer, OfferState, Queue, QueueMember, WorkItem
from hub.routing.presence import PresenceStatus
from hub.routing.service import default_queue, submit_work
from hub.timeline.models import Conversation, Interaction
from tests.personas import Persona, advisor


def customer(session, name: str = "Léa Dubois", *, language: str = "fr", vip: bool = False,
             tags: Iterable[str] = ()) -> Customer:
    person = Customer(display_name=name, language=language)
    person.vip = vip
    if hasattr(Customer, "tags"):
        person.tags = list(tags)
    session.add(person)
    session.flush()
    return person


def work(session, ctx, *, text: str = "Bonjour", channel: str = "twilio_sms",
         kind: str | None = None, who: Customer | None = None,
         attributes: dict[str, Any] | None = None) -> WorkItem:
    """A customer writes (or calls): conversation, inbound interaction, submit_work."""
    who = who or customer(session)
    conversation = Conversation(customer_id=who.id, channel=channel, account="demo",
                                thread_key=uuid.uuid4().hex, customer_address="+33600000000")
    session.add(conversation)
    session.flush()
    interaction = Interaction(conversation_id=conversation.id, customer_id=who.id,
                              channel=channel, direction="inbound", body=text,
                              status="received", provider_id=uuid.uuid4().hex)
    session.add(interaction)
    session.flush()
    return submit_work(session, ctx=ctx, conversation=conversation, interaction=interaction,
                       attributes=attributes, kind=kind)


def queue(session, name: str, **fields: Any) -> Queue:
    found = Queue(name=name, **fields)
    session.add(found)
    session.flush()
    return found


def agent(session, svc, name: str, *, queues: Iterable[Queue] | None = None,
          skills: dict[str, int] | None = None, languages: list[str] | None = None,
          capacity: dict[str, Any] | None = None, role: Role = Role.ADVISOR,
          available: bool = True) -> Persona:
    """An advisor in the given queues (default: the default queue)."""
    persona = advisor(session, email=f"{name.lower()}@example.test", name=name, role=role,
                      queue=False)
    for q in queues if queues is not None else [default_queue(session)]:
        session.add(QueueMember(queue_id=q.id, user_id=persona.user.id))
    persona.user.skills = skills or {}
    persona.user.languages = languages or []
    persona.user.capacity = capacity
    session.flush()
    if available:
        svc.presence.set_status(persona.user.id, PresenceStatus.AVAILABLE)
    return persona


def pending_offers(session, user: User | None = None) -> list[Offer]:
    query = select(Offer).where(Offer.state == OfferState.PENDING).order_by(Offer.id)
    if user is not None:
        query = query.where(Offer.user_id == user.id)
    return list(session.scalars(query))


def bearer(persona: Persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}
