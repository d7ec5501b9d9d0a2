"""What an advisor does with a forum question: answer publicly as the brand, certify a
community answer, or escalate to a private case. Each settles the question's forum work
item (``hub/forum/desk.py``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.forum import service
from hub.forum.config import ForumConfig
from hub.forum.desk import open_items_of, settle_topic
from hub.forum.desk_models import ForumEscalation, ForumWatch
from hub.forum.mail import Mailer
from hub.forum.models import ForumPost, ForumTopic, PostStatus
from hub.forum.on_timeline import PUBLIC_CHANNEL, record_brand_post
from hub.forum.private_case import open_case, send_to_member
from hub.routing.context import RoutingContext
from hub.routing.models import WorkItem, WorkState
from hub.timeline.models import Conversation

N_ = service.N_
# The public note left on an escalated topic: a fixed text, never the private exchange.
PRIVATE_NOTE = {
    "fr": "Nous prenons en charge votre demande en privé : nous vous avons écrit dans vos "
          "messages privés du forum. Aucune information personnelle ne sera publiée ici.",
    "en": "We are handling this privately with you: we have written to you in your forum "
          "private messages. No personal information will be published here.",
}


def answer_as_brand(session: Session, *, ctx: RoutingContext, config: ForumConfig,
                    topic: ForumTopic, advisor: User, body: str) -> ForumPost:
    """A public reply labelled as the brand; it settles the question's work item."""
    post = service.reply(session, config=config, topic=topic, advisor=advisor, body=body)
    for conversation in _topic_conversations(session, topic):
        record_brand_post(session, post=post, conversation=conversation)
    settle_topic(session, ctx=ctx, topic=topic, outcome="answered", by_user_id=advisor.id)
    return post


def certify_answer(session: Session, *, ctx: RoutingContext, post: ForumPost, advisor: User,
                   certified: bool = True) -> ForumPost:
    service.certify(session, post=post, advisor=advisor, certified=certified)
    if certified:
        settle_topic(session, ctx=ctx, topic=post.topic, outcome="certified",
                     by_user_id=advisor.id)
    return post


def escalate(session: Session, *, ctx: RoutingContext, config: ForumConfig, mailer: Mailer,
             topic: ForumTopic, advisor: User, message: str, public_url: str,
             language: str = "fr") -> ForumEscalation:
    """Move the question to a private case with its asker. The topic gets the standard
    note; the advisor's message goes to the member's private messages (with a mail). The
    advisor's own forum work item follows the case; other open items are closed."""
    if topic.author is None or topic.status != PostStatus.PUBLISHED:
        raise service.ForumRefused(N_("This question cannot be moved to a private case."))
    if not message.strip():
        raise service.ForumRefused(N_("Write a message of at most 20,000 characters."))
    escalation = open_case(session, topic=topic, member=topic.author, advisor=advisor)
    send_to_member(session, escalation=escalation, advisor=advisor, body=message,
                   mailer=mailer, public_url=public_url)
    service.reply(session, config=config, topic=topic, advisor=advisor,
                  body=PRIVATE_NOTE["en" if language == "en" else "fr"])
    for item in open_items_of(session, topic.id):
        if item.state == WorkState.ASSIGNED and item.assigned_user_id == advisor.id:
            item.conversation_id = escalation.conversation_id
            item.attributes = {**item.attributes, "forum_escalation_id": escalation.id}
    session.flush()
    settle_topic(session, ctx=ctx, topic=topic, outcome="escalated", by_user_id=advisor.id)
    return escalation


def _topic_conversations(session: Session, topic: ForumTopic) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(
        Conversation.channel == PUBLIC_CHANNEL, Conversation.thread_key == f"topic:{topic.id}",
        Conversation.customer_id.in_(_asker_customers(session, topic)))))


def _asker_customers(session: Session, topic: ForumTopic) -> list[int]:
    """The asker's linked customer, and the customer of the work raised for the question:
    the brand's answer goes on their timeline."""
    found = set(session.scalars(select(WorkItem.customer_id).join(
        ForumWatch, ForumWatch.work_item_id == WorkItem.id).where(
        ForumWatch.topic_id == topic.id, WorkItem.customer_id.is_not(None))))
    if topic.author is not None and topic.author.customer_id is not None:
        found.add(topic.author.customer_id)
    return sorted(found)
