"""Demo forum data for ``entraide demo``: members, topics, a solved one, a certified one.
Idempotent: does nothing once the demo members exist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import utcnow
from hub.forum import members, service
from hub.forum.config import ForumConfig
from hub.forum.defaults import ensure_defaults
from hub.forum.models import ForumMember
from hub.forum.queries import category_by_slug
from hub.forum.text import pseudonym_key

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


def seed_forum(session: Session, *, password: str) -> None:
    ensure_defaults(session)
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
    for slug, asker, title, question, answers, accepted in TOPICS:
        category = category_by_slug(session, slug)
        assert category is not None
        topic = service.create_topic(session, config=config, category=category,
                                     author=people[asker], title=title, body=question)
        posts = [service.reply(session, config=config, topic=topic, member=people[who],
                               body=body) for who, body in answers]
        if accepted is not None:
            service.accept_solution(session, post=posts[accepted], member=people[asker])
            if advisor is not None:
                service.certify(session, post=posts[accepted], advisor=advisor)
    session.flush()
