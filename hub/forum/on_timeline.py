"""Forum posts on the customer's timeline (through ``hub.timeline``, so the timeline API
and its full-text search see them).

- Public: a published post by a member linked to a customer is an inbound interaction
  on the channel ``forum``, in one conversation per (customer, topic); the conversation's
  ``customer_address`` is the topic's path (the link to the topic), its subject the title.
- Private: a private case (escalation) is a conversation on the channel
  ``forum_private``; nothing of it is ever published on the forum.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.customers.service import resolve_identity
from hub.domain.addresses import Address
from hub.domain.kinds import DeliveryStatus, Direction, IdentityKind
from hub.forum.models import ForumMember, ForumPost, ForumTopic, PostStatus
from hub.timeline.models import Conversation, Interaction

PUBLIC_CHANNEL = "forum"
PRIVATE_CHANNEL = "forum_private"
PUBLIC_ACCOUNT = "public"
FORUM_CHANNELS = frozenset({PUBLIC_CHANNEL, PRIVATE_CHANNEL})


def topic_path(topic: ForumTopic) -> str:
    return f"/forum/t/{topic.id}-{topic.slug}"


def customer_id_for(session: Session, member: ForumMember) -> int:
    """The linked customer, else the customer the hub knows by this forum member (an
    identity ``forum`` / ``member:<id>``, created on first need)."""
    if member.customer_id is not None:
        return member.customer_id
    address = Address(IdentityKind.FORUM, f"member:{member.id}", True)
    return resolve_identity(session, address=address, display_name=member.pseudonym).customer_id


def topic_conversation(session: Session, *, topic: ForumTopic, customer_id: int) -> Conversation:
    thread = f"topic:{topic.id}"
    found = session.scalar(select(Conversation).where(
        Conversation.channel == PUBLIC_CHANNEL, Conversation.account == PUBLIC_ACCOUNT,
        Conversation.thread_key == thread, Conversation.customer_id == customer_id,
    ).order_by(Conversation.id).limit(1))
    if found is not None:
        return found
    conversation = Conversation(customer_id=customer_id, channel=PUBLIC_CHANNEL,
                                account=PUBLIC_ACCOUNT, thread_key=thread,
                                customer_address=topic_path(topic), subject=topic.title[:300],
                                created_at=topic.created_at)
    session.add(conversation)
    session.flush()
    return conversation


def record_post(session: Session, *, post: ForumPost, customer_id: int | None = None
                ) -> Interaction | None:
    """Put a published member post on its author's timeline (``customer_id`` forces a
    customer: the asker's forum customer when their question becomes work). None when
    the author is not linked, the post is not public, or it is already there."""
    if post.status != PostStatus.PUBLISHED or post.author is None:
        return None
    customer_id = customer_id or post.author.customer_id
    if customer_id is None:
        return None
    conversation = topic_conversation(session, topic=post.topic, customer_id=customer_id)
    body = f"{post.topic.title}\n\n{post.body}" if post.is_question else post.body
    interaction = Interaction(conversation_id=conversation.id, customer_id=customer_id,
                              channel=PUBLIC_CHANNEL, direction=Direction.INBOUND, body=body,
                              provider_id=f"forum-post:{post.id}",
                              status=DeliveryStatus.RECEIVED, occurred_at=post.created_at)
    try:
        with session.begin_nested():
            session.add(interaction)
    except IntegrityError:
        return None
    conversation.last_activity_at = post.created_at
    return interaction


def record_brand_post(session: Session, *, post: ForumPost, conversation: Conversation
                      ) -> Interaction:
    """The brand's public answer, as an outbound item of the asker's topic conversation."""
    assert post.advisor_id is not None
    interaction = Interaction(conversation_id=conversation.id,
                              customer_id=conversation.customer_id, channel=PUBLIC_CHANNEL,
                              direction=Direction.OUTBOUND, author_user_id=post.advisor_id,
                              body=post.body, provider_id=f"forum-post:{post.id}",
                              status=DeliveryStatus.DELIVERED, occurred_at=post.created_at)
    session.add(interaction)
    conversation.last_activity_at = post.created_at
    session.flush()
    return interaction
