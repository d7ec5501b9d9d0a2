"""Demo data: advisors, a queue, customers with identities and account history, and the
history of Léa Dubois, who called, texted, emailed, chatted and posted on the forum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import Role, Team, User
from hub.auth.service import create_user
from hub.customers.models import Customer, Device, Identity, Invoice, Order, PastCase, Subscription
from hub.domain.kinds import DeliveryStatus, Direction, IdentityKind
from hub.domain.messages import InboundItem
from hub.forum.models import ForumMember, ForumPost
from hub.forum.on_timeline import record_post
from hub.forum.seed import seed_forum
from hub.inbox.canned import seed_canned
from hub.routing.demo import seed_routing
from hub.routing.models import QueueMember
from hub.routing.service import default_queue
from hub.timeline.models import Conversation, Interaction
from hub.timeline.service import open_conversation, record_inbound, record_outbound


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
    seed_history(session)
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


DEMO_BRAND = "demo"  # the brand key of the demo's web-chat identity tokens
LEA_CHAT_USER = "client-1001"  # Léa's user id on the brand's site (signed identity token)
# channel, kind of the thread's identity, direction, when, text (the story of one invoice)
HISTORY = (
    ("phone", "phone", "inbound", datetime(2026, 11, 17, 9, 12, tzinfo=UTC),
     "Appel entrant (6 min) : facture de novembre à 45,99 € au lieu de 20,99 €. "
     "Dossier DOS-2026-0412 ouvert, rappel promis par écrit."),
    ("twilio_sms", "phone", "outbound", datetime(2026, 11, 17, 9, 20, tzinfo=UTC),
     "Bonjour Mme Dubois, suite à votre appel : votre réclamation DOS-2026-0412 est "
     "enregistrée. Réponse sous 48 h."),
    ("twilio_sms", "phone", "inbound", datetime(2026, 11, 17, 9, 24, tzinfo=UTC),
     "Merci. Si ce n'est pas corrigé je demanderai la résiliation."),
    ("email", "email", "inbound", datetime(2026, 11, 18, 20, 3, tzinfo=UTC),
     "Objet : facture F2026-0001 contestée. Ci-joint ma facture, les options TV ont été "
     "ajoutées sans mon accord."),
    ("email", "email", "outbound", datetime(2026, 11, 19, 10, 15, tzinfo=UTC),
     "Bonjour, les options TV ont été retirées et un avoir de 25 € sera déduit de votre "
     "prochaine facture."),
    ("chat", "chat", "inbound", datetime(2026, 11, 21, 14, 40, tzinfo=UTC),
     "Bonjour, où en est la livraison de ma commande CMD-9001 ?"),
    ("chat", "chat", "outbound", datetime(2026, 11, 21, 14, 42, tzinfo=UTC),
     "Votre Fairphone 6 est expédié : suivi 6A12345678901, livraison prévue le 27."),
)


def seed_history(session: Session) -> None:
    """Léa's interactions on every channel, through the timeline service. Idempotent."""
    lea = session.scalar(select(Identity).where(Identity.kind == "phone",
                                                Identity.address == CUSTOMERS[0][1]))
    if lea is None or session.scalar(select(Interaction.id).where(
            Interaction.provider_id == "demo-history-1")):
        return
    identities = {"phone": lea, "email": _identity(session, lea.customer_id, "email"),
                  "chat": _chat_identity(session, lea.customer_id)}
    conversations: dict[str, Conversation] = {}
    for number, (channel, kind, direction, when, text) in enumerate(HISTORY, start=1):
        if channel not in conversations:
            conversations[channel] = open_conversation(
                session, identity=identities[kind], channel=channel, account="demo",
                thread_key=f"demo-history-{channel}")
        _record(session, conversations[channel], direction, when, text, f"demo-history-{number}")
    _forum_history(session, identities["email"])
    for conversation in conversations.values():
        conversation.status = "closed"  # history: nothing to route, nothing to reopen


def _record(session: Session, conversation: Conversation, direction: str, when: datetime,
            text: str, provider_id: str) -> None:
    if direction == Direction.INBOUND:
        record_inbound(session, conversation=conversation, item=InboundItem(
            provider_id=provider_id, sender_kind=IdentityKind.CONSOLE, sender_address="",
            body=text, occurred_at=when))
        return
    advisor = session.scalar(select(User).where(User.email == ADVISORS[0][0]))
    assert advisor is not None
    interaction = record_outbound(session, conversation=conversation, body=text,
                                  author_user_id=advisor.id)
    interaction.provider_id, interaction.occurred_at = provider_id, when
    interaction.status = DeliveryStatus.DELIVERED
    conversation.last_activity_at = when


def _identity(session: Session, customer_id: int, kind: str) -> Identity:
    found = session.scalar(select(Identity).where(Identity.customer_id == customer_id,
                                                  Identity.kind == kind))
    assert found is not None
    return found


def _chat_identity(session: Session, customer_id: int) -> Identity:
    """Léa chatted signed in on the brand's site: her brand user id is an identity."""
    identity = Identity(customer_id=customer_id, kind=IdentityKind.CHAT,
                        address=f"{DEMO_BRAND}:{LEA_CHAT_USER}", verified=True)
    session.add(identity)
    session.flush()
    return identity


def _forum_history(session: Session, email: Identity) -> None:
    """Léa's public forum posts (her member is linked by the verified email) on her
    timeline, exactly as the forum records a linked member's posts (idempotent)."""
    posts = session.scalars(
        select(ForumPost).join(ForumMember, ForumMember.id == ForumPost.author_id)
        .where(ForumMember.customer_id == email.customer_id).order_by(ForumPost.id)).all()
    for post in posts:
        record_post(session, post=post)
    session.flush()