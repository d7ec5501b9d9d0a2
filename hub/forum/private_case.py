"""Private cases: a forum question moved out of public view. The case is a hub
conversation on the channel ``forum_private`` with the asker's customer; the member reads
and answers it at ``/forum/messages``. Advisor messages reach the member's private
messages (and a mail tells them, without the content); the member's replies come back
into the conversation and reach the advisor live (``message.created``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.db import after_commit, utcnow
from hub.domain.kinds import DeliveryStatus, Direction
from hub.events import publish, user_room
from hub.forum.desk_models import ForumEscalation, ForumPrivateMessage
from hub.forum.mail import Mail, Mailer
from hub.forum.models import ForumMember, ForumTopic
from hub.forum.on_timeline import PRIVATE_CHANNEL, customer_id_for
from hub.forum.service import MAX_BODY, N_, ForumRefused
from hub.routing.context import RoutingContext
from hub.routing.service import submit_work
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import interaction_view

PRIVATE_ACCOUNT = "private"
NOTICE_SUBJECT = "Nouveau message privé / New private message"
NOTICE_BODY = ("Bonjour {name},\n\nL'équipe Entraide vous a écrit en privé au sujet de "
               "« {title} ». Lisez et répondez ici : {url}\n\n"
               "Hello {name},\n\nThe Entraide team wrote to you privately about "
               "\"{title}\". Read and answer here: {url}\n")


def open_case(session: Session, *, topic: ForumTopic, member: ForumMember, advisor: User
              ) -> ForumEscalation:
    conversation = Conversation(customer_id=customer_id_for(session, member),
                                channel=PRIVATE_CHANNEL, account=PRIVATE_ACCOUNT,
                                thread_key=f"member:{member.id}:topic:{topic.id}",
                                customer_address=f"forum-member:{member.id}",
                                subject=topic.title[:300])
    session.add(conversation)
    session.flush()
    escalation = ForumEscalation(topic_id=topic.id, member_id=member.id,
                                 conversation_id=conversation.id, advisor_id=advisor.id)
    session.add(escalation)
    session.flush()
    return escalation


def _body(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_BODY:
        raise ForumRefused(N_("Write a message of at most 20,000 characters."))
    return text


def _interaction(session: Session, *, escalation: ForumEscalation, body: str,
                 advisor: User | None) -> Interaction:
    conversation = session.get(Conversation, escalation.conversation_id)
    assert conversation is not None
    now = utcnow()
    interaction = Interaction(
        conversation_id=conversation.id, customer_id=conversation.customer_id,
        channel=PRIVATE_CHANNEL, body=body, occurred_at=now,
        direction=Direction.OUTBOUND if advisor else Direction.INBOUND,
        author_user_id=advisor.id if advisor else None,
        status=DeliveryStatus.DELIVERED if advisor else DeliveryStatus.RECEIVED)
    session.add(interaction)
    conversation.last_activity_at = now
    session.flush()
    return interaction


def send_to_member(session: Session, *, escalation: ForumEscalation, advisor: User, body: str,
                   mailer: Mailer, public_url: str) -> ForumPrivateMessage:
    """An advisor's message: in the conversation, in the member's private messages, and a
    mail (sent once committed) that says where to read it."""
    text = _body(body)
    interaction = _interaction(session, escalation=escalation, body=text, advisor=advisor)
    message = ForumPrivateMessage(escalation_id=escalation.id, member_id=escalation.member_id,
                                  advisor_id=advisor.id, interaction_id=interaction.id,
                                  body=text)
    session.add(message)
    session.flush()
    publish(session, room=user_room(advisor.id), name="message.created",
            payload=interaction_view(interaction))
    member = escalation.member
    notice = Mail(to=member.email, subject=NOTICE_SUBJECT, body=NOTICE_BODY.format(
        name=member.pseudonym, title=escalation.topic.title,
        url=public_url.rstrip("/") + "/forum/messages"))
    after_commit(session, lambda: mailer.send(notice))
    return message


def member_replies(session: Session, *, ctx: RoutingContext, escalation: ForumEscalation,
                   member: ForumMember, body: str) -> ForumPrivateMessage:
    """The member answers: the message joins the hub conversation and reaches the advisor
    handling it live (or becomes routed work when nobody holds the case)."""
    if escalation.member_id != member.id or member.banned_at is not None:
        raise ForumRefused(N_("You cannot answer this conversation."))
    text = _body(body)
    interaction = _interaction(session, escalation=escalation, body=text, advisor=None)
    interaction.provider_id = f"forum-pm:{escalation.id}:{interaction.id}"
    message = ForumPrivateMessage(escalation_id=escalation.id, member_id=member.id,
                                  from_member=True, interaction_id=interaction.id, body=text,
                                  read_at=utcnow())
    session.add(message)
    session.flush()
    submit_work(session, ctx=ctx, conversation=interaction.conversation,
                interaction=interaction, kind="forum")
    return message


def cases_of(session: Session, member_id: int) -> list[tuple[ForumEscalation,
                                                            list[ForumPrivateMessage]]]:
    """The member's private cases, newest first, each with its messages in order."""
    escalations = list(session.scalars(select(ForumEscalation).where(
        ForumEscalation.member_id == member_id).order_by(ForumEscalation.id.desc())))
    messages = list(session.scalars(select(ForumPrivateMessage).where(
        ForumPrivateMessage.member_id == member_id).order_by(ForumPrivateMessage.id)))
    return [(e, [m for m in messages if m.escalation_id == e.id]) for e in escalations]


def mark_read(session: Session, member_id: int) -> None:
    for message in session.scalars(select(ForumPrivateMessage).where(
            ForumPrivateMessage.member_id == member_id,
            ForumPrivateMessage.read_at.is_(None))):
        message.read_at = utcnow()
    session.flush()


def unread_count(session: Session, member_id: int) -> int:
    return len(list(session.scalars(select(ForumPrivateMessage.id).where(
        ForumPrivateMessage.member_id == member_id, ForumPrivateMessage.read_at.is_(None)))))
