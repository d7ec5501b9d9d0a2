"""Routing demo data for ``entraide demo`` / ``entraide seed``: skills, an English queue
with its rule, first-response targets, wrap-up codes and advisor profiles. Idempotent.

French customers stay in the default queue (every demo advisor is a member); English
speakers go to the English queue (Alex). docs/routing.md walks through it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.routing.models import Queue, QueueMember, RoutingRule, Skill, WrapUpCode
from hub.routing.service import default_queue

SKILLS = (("billing", "Facturation"), ("fibre", "Fibre et box"), ("english", "English"))
WRAP_UP_CODES = (("resolved", "Résolu"), ("callback", "Rappel prévu"),
                 ("escalated", "Transmis au niveau 2"), ("no-reply", "Sans réponse client"))
TARGETS = [{"channel": "voice", "min_priority": 0, "seconds": 30},
           {"channel": "chat", "min_priority": 0, "seconds": 120},
           {"channel": "*", "min_priority": 0, "seconds": 4 * 3600},
           {"channel": "*", "min_priority": 2, "seconds": 3600}]
PROFILES = {  # email -> skills, languages
    "camille@demo.entraide": ({"billing": 3, "fibre": 2}, ["fr"]),
    "alex@demo.entraide": ({"english": 5, "fibre": 1}, ["en", "fr"]),
    "sophie@demo.entraide": ({"billing": 4, "fibre": 4, "english": 3}, ["fr", "en"]),
}


def seed_routing(session: Session) -> None:
    for name, label in SKILLS:
        if session.scalar(select(Skill).where(Skill.name == name)) is None:
            session.add(Skill(name=name, label=label))
    for code, label in WRAP_UP_CODES:
        if session.scalar(select(WrapUpCode).where(WrapUpCode.code == code)) is None:
            session.add(WrapUpCode(code=code, label=label))
    general = default_queue(session)
    if not general.sla_targets:
        general.sla_targets = TARGETS
    english = session.scalar(select(Queue).where(Queue.name == "English"))
    if english is None:
        english = Queue(name="English", description="English-speaking customers",
                        required_skills={"english": 2}, languages=["en"], sla_targets=TARGETS)
        session.add(english)
        session.flush()
        session.add(RoutingRule(name="English speakers", position=10, queue_id=english.id,
                                conditions={"languages": ["en"]}))
    for email, (skills, languages) in PROFILES.items():
        user = session.scalar(select(User).where(User.email == email))
        if user is None or user.skills:
            continue
        user.skills, user.languages = skills, languages
        if "english" in skills and skills["english"] >= 2:
            session.add(QueueMember(queue_id=english.id, user_id=user.id))
    session.flush()
