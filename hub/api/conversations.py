"""A conversation with its items, and advisor replies on it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.access import AccessDenied, access_conversation
from hub.api.forum import reply_in_forum
from hub.api.schemas import ConversationOut, InteractionOut, ReplyIn
from hub.domain.errors import NotAllowed
from hub.domain.kinds import ChannelKind
from hub.forum.on_timeline import FORUM_CHANNELS
from hub.inbox.errors import BadInput
from hub.inbox.reply_channels import choose
from hub.replies.service import send_reply
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import interaction_view
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("conversations", __name__, url_prefix="/api/v1/conversations",
                      description="Conversations and replies")


@blueprint.route("/<int:conversation_id>")
@blueprint.response(200, ConversationOut)
def show(conversation_id: int) -> Any:
    user = require_user()
    try:
        conversation = access_conversation(db(), user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    items = db().scalars(
        select(Interaction)
        .where(Interaction.conversation_id == conversation.id)
        .options(selectinload(Interaction.attachments))
        .order_by(Interaction.occurred_at, Interaction.id)
    )
    return {"id": conversation.id, "customer_id": conversation.customer_id,
            "channel": conversation.channel, "status": conversation.status,
            "subject": conversation.subject, "customer_address": conversation.customer_address,
            "items": [interaction_view(i) for i in items]}


@blueprint.route("/<int:conversation_id>/replies", methods=["POST"])
@blueprint.arguments(ReplyIn)
@blueprint.response(201, InteractionOut)
def reply(args: dict[str, Any], conversation_id: int) -> Any:
    user = require_user()
    session = db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    if conversation.channel in FORUM_CHANNELS and args.get("channel") in (None, "",
                                                                           conversation.channel):
        return reply_in_forum(conversation, user, args["body"])
    registry = services().channels
    try:
        target = choose(session, conversation=conversation, registry=registry,
                        channel=args.get("channel") or conversation.channel)
        subject, quote = email_parts(session, args, conversation, kind=target.kind)
        interaction = send_reply(session, conversation=conversation, user=user,
                                 body=args["body"],
                                 capabilities=registry.adapter(target.channel).capabilities,
                                 route=target.route(), subject=subject, quote=quote)
        view = interaction_view(interaction)
        session.commit()
    except BadInput as error:
        session.rollback()
        return json_error(422, error.reason, error.field)
    except NotAllowed as error:
        session.rollback()
        return json_error(422, error.reason, "body")
    return view


def email_parts(session: Session, args: dict[str, Any], conversation: Conversation, *,
                kind: str) -> tuple[str, Interaction | None]:
    """The subject and the quoted message of an email reply (BadInput on another channel,
    or for a message that is not this conversation's)."""
    subject, quote_id = args.get("subject", ""), args.get("quote_id")
    if kind != ChannelKind.EMAIL:
        if subject or quote_id is not None:
            field = "subject" if subject else "quote_id"
            raise BadInput("only an email reply has a subject or a quote", field)
        return "", None
    quote = session.get(Interaction, quote_id) if quote_id is not None else None
    if quote_id is not None and (quote is None or quote.conversation_id != conversation.id):
        raise BadInput("no such message in this conversation", "quote_id")
    return subject, quote
