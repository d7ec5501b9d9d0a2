"""Demo forum data for ``entraide demo``: members, topics, a solved one, a certified one,
and a question asked a day ago that nobody answered: past its delay, the scheduler's first
run makes it work in the "forum" queue, whose members are the demo advisors.
Idempotent: does nothing once the demo members exist."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.forum import members, service
from hub.forum.config import ForumConfig
from hub.forum.defaults import ensure_defaults, ensure_forum_queue
from hub.forum.models import ForumMember
from hub.forum.queries import category_by_slug
from hub.forum.text import pseudonym_key
from hub.routing.models import QueueMember

MEMBERS = (
    # email, pseudonym, role
    ("marie@forum.demo", "Marie_Fibre", "super_user"),
    ("lucas@forum.demo", "Lucas", "member"),
    ("lea.dubois@example.fr", "Léa D.", "member"),  # the seeded customer Léa Dubois
)
TOPICS = (
    # category, asker, title, question, answers (helper, body), accepted answer index
    ("box-internet", 1, "Ma box redémarre toutes les nuits",
     "Depuis la dernière mise à jour, ma box redémarre vers 3 h du matin. Normal ?",
     [(0, "Oui : les mises à jour s'installent la nuit. Si cela arrive **chaque** nuit, "
          "faites une réinitialisation depuis l'interface de la box."),
      (2, "Pareil chez moi, la réinitialisation a réglé le problème.")], 0),
    ("mobile", 2, "Activer la 5G sur mon forfait",
     "J'ai un smartphone compatible mais je reste en 4G. Que faire ?",
     [(0, "Vérifiez dans *Réglages > Réseau mobile* que la 5G est autorisée.")], None),
    ("facturation", 1, "Comprendre ma première facture",
     "Ma première facture est plus élevée que prévu.", [], None),
    ("tv", 2, "Replay indisponible sur le décodeur", "Le replay affiche une erreur.", [], None),
)
UNANSWERED_FOR = timedelta(days=1)  # the last topic: older than any delay


def seed_forum(session: Session, *, password: str) -> None:
    ensure_defaults(session)
    _forum_queue(session)
    if session.scalar(select(ForumMember.id).where(ForumMember.email == MEMBERS[0][0])):
        return
    people = []
    for email, pseudonym, role in MEMBERS:
        member = ForumMember(email=email, pseudonym=pseudonym,
                             pseudonym_key=pseudonym_key(pseudonym),
                             password_hash=members._hasher.hash(password),  # noqa: SLF001
                             role=role, email_verified_at=utcnow())
        session.add(member)
        session.flush()
        members.link_customer(session, member)
        people.append(member)
    config = ForumConfig()
    advisor = session.scalar(select(User).order_by(User.id))
    for number, (slug, asker, title, question, answers, accepted) in enumerate(TOPICS, 1):
        category = category_by_slug(session, slug)
        assert category is not None
        asked = utcnow() - (UNANSWERED_FOR if number == len(TOPICS) else timedelta(0))
        topic = service.create_topic(session, config=config, category=category,
                                     author=people[asker], title=title, body=question,
                                     now=asked)
        posts = [service.reply(session, config=config, topic=topic, member=people[who],
                               body=body) for who, body in answers]
        if accepted is not None:
            service.accept_solution(session, post=posts[accepted], member=people[asker])
            if advisor is not None:
                service.certify(session, post=posts[accepted], advisor=advisor)
    session.flush()


def _forum_queue(session: Session) -> None:
    """The "forum" queue and its rule; every demo advisor is a member."""
    queue = ensure_forum_queue(session)
    members = set(session.scalars(select(QueueMember.user_id).where(
        QueueMember.queue_id == queue.id)))
    for user_id in session.scalars(select(User.id).where(User.active.is_(True))):
        if user_id not in members:
            session.add(QueueMember(queue_id=queue.id, user_id=user_id))
    session.flush()
