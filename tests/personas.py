"""The cast: advisors, a supervisor, a customer with an unpaid invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.auth.models import Role, User
from hub.auth.service import create_token, create_user
from hub.db import utcnow
from hub.forum.desk_models import ForumWatch, WatchState
from hub.routing.models import QueueMember
from hub.routing.service import default_queue
from hub.seed import seed_demo

PASSWORD = "correct horse battery"
LEA_PHONE = "+33612345678"  # Léa Dubois, seeded with an unpaid invoice


@dataclass
class Persona:
    user: User
    token: str


def advisor(session: Session, *, email: str = "camille@example.test", name: str = "Camille",
            role: Role = Role.ADVISOR, language: str = "fr", queue: bool = True) -> Persona:
    user = create_user(session, email=email, name=name, password=PASSWORD, role=role,
                       language=language)
    if queue:
        session.add(QueueMember(queue_id=default_queue(session).id, user_id=user.id))
    token = create_token(session, user=user)
    session.flush()
    return Persona(user, token)


def demo_customers(session: Session, *, forum_work: bool = False) -> None:
    """Léa, Karim and Emma with their plans, invoices and orders (no demo advisors).

    The demo also has a forum question already past its unanswered delay, which a running
    scheduler turns into forum work; unless ``forum_work``, it is pushed a year away so
    tests about other work see only their own."""
    seed_demo(session)
    if not forum_work:
        session.execute(update(ForumWatch).where(ForumWatch.state == WatchState.PENDING)
                        .values(due_at=utcnow() + timedelta(days=365)))
