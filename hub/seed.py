"""Demo data: advisors, a queue, customers with identities and account history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import Role, Team, User
from hub.auth.service import create_user
from hub.customers.models import Customer, Device, Identity, Invoice, Order, PastCase, Subscription
from hub.forum.seed import seed_forum
from hub.inbox.canned import seed_canned
from hub.routing.demo import seed_routing
from hub.routing.models import QueueMember
from hub.routing.service import default_queue


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


DEMO_PASSWORD = "entraide-demo"  # noqa: S105 - printed for the demo on purpose
ADVISORS = (
    ("camille@demo.entraide", "Camille Martin", Role.ADVISOR, "fr"),
    ("alex@demo.entraide", "Alex Smith", Role.ADVISOR, "en"),
    ("sophie@demo.entraide", "Sophie Bernard", Role.SUPERVISOR, "fr"),
)
CUSTOMERS = (
    ("Léa Dubois", "+33612345678", "lea.dubois@example.fr", "Sosh 100 Go", "unpaid"),
    ("Karim Benali", "+33698765432", "karim.benali@example.fr", "Fibre 2 Gb/s", "paid"),
    ("Emma Wilson", "+447700900123", "emma.wilson@example.co.uk", "Mobile 20 Go", "paid"),
)


def seed_demo(session: Session) -> list[DemoLogin]:
    """Idempotent: running it twice changes nothing."""
    queue = default_queue(session)
    team = session.scalar(select(Team).where(Team.name == "Service client"))
    if team is None:
        team = Team(name="Service client")
        session.add(team)
    logins = []
    for email, name, role, language in ADVISORS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(session, email=email, name=name, password=DEMO_PASSWORD,
                               role=role, language=language)
            user.team = team
            session.add(QueueMember(queue_id=queue.id, user_id=user.id))
        logins.append(DemoLogin(email, DEMO_PASSWORD, role))
    for index, row in enumerate(CUSTOMERS, start=1):
        _customer(session, index, *row)
    seed_forum(session, password=DEMO_PASSWORD)  # the public forum's demo data
    seed_routing(session)  # skills, the English queue and its rule, wrap-up codes
    seed_canned(session)  # canned responses in French and English
    session.flush()
    return logins


def _customer(
    session: Session, index: int, name: str, phone: str, email: str, plan: str, invoice: str
) -> None:
    if session.scalar(select(Identity).where(Identity.kind == "phone",
                                             Identity.address == phone)):
        return
    customer = Customer(display_name=name, language="fr" if phone.startswith("+33") else "en")
    session.add(customer)
    session.flush()
    session.add_all([
        Identity(customer_id=customer.id, kind="phone", address=phone),
        Identity(customer_id=customer.id, kind="email", address=email),
        Subscription(customer_id=customer.id, plan=plan, monthly_price=19.99 + index,
                     started_on=date(2024, index, 15)),
        Invoice(customer_id=customer.id, number=f"F2026-{index:04d}", amount=19.99 + index,
                status=invoice, issued_on=date(2026, 11, 1)),
        Invoice(customer_id=customer.id, number=f"F2026-{index + 100:04d}",
                amount=19.99 + index, status="paid", issued_on=date(2026, 10, 1)),
        Order(customer_id=customer.id, number=f"CMD-{9000 + index}",
              item="Smartphone Fairphone 6" if index == 1 else "Livebox 7",
              status="shipped", tracking=f"6A{index}2345678901", ordered_on=date(2026, 11, 20)),
        Device(customer_id=customer.id, model=("Fairphone 5", "Galaxy A55", "iPhone 15")[index - 1],
               imei=f"3520990{index:08d}", since=date(2024, index, 15)),
        PastCase(customer_id=customer.id, reference=f"DOS-2025-{index:04d}",
                 subject="Facture contestée" if index == 1 else "Coupure de connexion",
                 status="closed", closed_on=date(2025, 6, index)),
    ])
