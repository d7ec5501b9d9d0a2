"""Access gates: API handlers, pages and sockets get objects only through these.

One condition per line; a refusal never says whether the object exists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.customers.models import Customer
from hub.domain.errors import NotAllowed
from hub.forum.desk_models import ForumEscalation
from hub.routing.models import Offer, OfferState, WorkItem
from hub.timeline.models import Conversation


class AccessDenied(NotAllowed):
    pass


def access_conversation(session: Session, *, user: User, conversation_id: int) -> Conversation:
    """An advisor reaches a conversation assigned to them; supervisors reach all."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise AccessDenied("no such conversation")
    if user.is_supervisor:
        return conversation
    assigned = session.scalar(
        select(WorkItem.id).where(
            WorkItem.conversation_id == conversation_id,
            WorkItem.assigned_user_id == user.id,
        ).limit(1)
    )
    if assigned is None:
        raise AccessDenied("no such conversation")
    return conversation


def access_customer(session: Session, *, user: User, customer_id: int) -> Customer:
    """Supervisors see every customer; an advisor, those whose work is offered or assigned
    to them."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise AccessDenied("no such customer")
    if user.is_supervisor:
        return customer
    handled = session.scalar(
        select(WorkItem.id)
        .join(Conversation, Conversation.id == WorkItem.conversation_id)
        .outerjoin(Offer, Offer.work_item_id == WorkItem.id)
        .where(
            Conversation.customer_id == customer_id,
            (WorkItem.assigned_user_id == user.id)
            | ((Offer.user_id == user.id) & (Offer.state == OfferState.PENDING)),
        ).limit(1)
    )
    if handled is None:
        raise AccessDenied("no such customer")
    return customer


def access_forum_case(session: Session, *, user: User, escalation_id: int) -> ForumEscalation:
    """A private forum case: its advisor, the advisor its conversation is assigned to,
    and supervisors."""
    escalation = session.get(ForumEscalation, escalation_id)
    if escalation is None:
        raise AccessDenied("no such case")
    if user.is_supervisor or escalation.advisor_id == user.id:
        return escalation
    access_conversation(session, user=user, conversation_id=escalation.conversation_id)
    return escalation
