"""An advisor's reply from the inbox on a forum conversation (the hub's generic reply
path needs a channel adapter; the forum delivers by itself): on a public topic
conversation it is a brand answer on the forum, on a private case a private message."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.forum.advisor import answer_as_brand
from hub.forum.config import ForumConfig
from hub.forum.desk_models import ForumEscalation
from hub.forum.mail import Mailer
from hub.forum.models import ForumTopic
from hub.forum.on_timeline import PUBLIC_CHANNEL, record_brand_post
from hub.forum.private_case import send_to_member
from hub.forum.service import N_, ForumRefused
from hub.routing.context import RoutingContext
from hub.timeline.models import Conversation, Interaction


def reply_in_conversation(session: Session, *, ctx: RoutingContext, config: ForumConfig,
                          mailer: Mailer, public_url: str, conversation: Conversation,
                          user: User, body: str) -> Interaction:
    if conversation.channel == PUBLIC_CHANNEL:
        return _public(session, ctx=ctx, config=config, conversation=conversation, user=user,
                       body=body)
    escalation = session.scalar(select(ForumEscalation).where(
        ForumEscalation.conversation_id == conversation.id))
    if escalation is None:
        raise ForumRefused(N_("This message cannot be sent."))
    message = send_to_member(session, escalation=escalation, advisor=user, body=body,
                             mailer=mailer, public_url=public_url)
    interaction = session.get(Interaction, message.interaction_id)
    assert interaction is not None
    return interaction


def _public(session: Session, *, ctx: RoutingContext, config: ForumConfig,
            conversation: Conversation, user: User, body: str) -> Interaction:
    kind, _, topic_id = conversation.thread_key.partition(":")
    topic = session.get(ForumTopic, int(topic_id)) if kind == "topic" and topic_id.isdigit() \
        else None
    if topic is None:
        raise ForumRefused(N_("This message cannot be sent."))
    post = answer_as_brand(session, ctx=ctx, config=config, topic=topic, advisor=user,
                           body=body)
    found = session.scalar(select(Interaction).where(
        Interaction.conversation_id == conversation.id,
        Interaction.provider_id == f"forum-post:{post.id}"))
    return found or record_brand_post(session, post=post, conversation=conversation)
