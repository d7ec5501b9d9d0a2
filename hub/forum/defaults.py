"""Reference data every hub has: the categories and the ranks (also inserted by the
migration), and ``ensure_defaults`` for databases emptied since (tests, demo)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.forum.models import ForumCategory, ForumRank
from hub.routing.models import Queue, RoutingRule

CATEGORIES = (
    # slug, French name, English name, French description, English description
    ("mobile", "Mobile", "Mobile", "Forfaits, réseau, smartphones et cartes SIM",
     "Plans, network, smartphones and SIM cards"),
    ("box-internet", "Box Internet", "Internet box", "Fibre, ADSL, Wi-Fi et équipements",
     "Fibre, DSL, Wi-Fi and equipment"),
    ("tv", "TV", "TV", "Décodeur, chaînes et replay", "Set-top box, channels and replay"),
    ("facturation", "Facturation", "Billing", "Factures, paiements et remboursements",
     "Invoices, payments and refunds"),
)
RANKS = (
    # code, French name, English name, points needed
    ("newcomer", "Nouveau venu", "Newcomer", 0),
    ("contributor", "Contributeur", "Contributor", 20),
    ("expert", "Expert", "Expert", 100),
    ("super-user", "Super-utilisateur", "Super-user", 300),
)


def ensure_defaults(session: Session) -> None:
    """Idempotent: inserts the categories and ranks that are missing."""
    slugs = set(session.scalars(select(ForumCategory.slug)))
    for position, (slug, name_fr, name_en, desc_fr, desc_en) in enumerate(CATEGORIES):
        if slug not in slugs:
            session.add(ForumCategory(slug=slug, name_fr=name_fr, name_en=name_en,
                                      description_fr=desc_fr, description_en=desc_en,
                                      position=position))
    codes = set(session.scalars(select(ForumRank.code)))
    for code, name_fr, name_en, threshold in RANKS:
        if code not in codes:
            session.add(ForumRank(code=code, name_fr=name_fr, name_en=name_en,
                                  threshold=threshold))
    session.flush()


FORUM_RULE = {"channels": ["forum"]}


def ensure_forum_queue(session: Session, *, name: str = "forum") -> Queue:
    """The queue unanswered questions go to, and the rule that sends forum work there
    (rules are data: both are also inserted by the migration ``b1forumhub``)."""
    queue = session.scalar(select(Queue).where(Queue.name == name))
    if queue is None:
        queue = Queue(name=name, description="Forum questions the community left unanswered")
        session.add(queue)
        session.flush()
    if session.scalar(select(RoutingRule.id).where(RoutingRule.queue_id == queue.id)) is None:
        session.add(RoutingRule(name="Forum questions", position=5, queue_id=queue.id,
                                conditions=FORUM_RULE))
        session.flush()
    return queue
