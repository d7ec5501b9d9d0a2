"""Private notes on a conversation, the colleagues one can mention, the reply channels and
the customer's forum activity: what the conversation pane reads beside the messages."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.access import AccessDenied, access_conversation, access_customer
from hub.api.inbox_schemas import (
    ColleagueOut,
    ForumActivityOut,
    NoteIn,
    NoteOut,
    ReplyChannelOut,
)
from hub.inbox.errors import BadInput
from hub.inbox.forum_activity import forum_activity
from hub.inbox.notes import add_note, colleagues, customer_notes, note_view
from hub.inbox.reply_channels import reply_channels
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("notes", __name__, url_prefix="/api/v1",
                      description="Private notes, mentions and what the composer may use")


@blueprint.route("/conversations/<int:conversation_id>/notes", methods=["POST"])
@blueprint.arguments(NoteIn)
@blueprint.response(201, NoteOut)
def create_note(args: dict[str, Any], conversation_id: int) -> Any:
    """A private note: never sent to the customer; each mentioned colleague gets
    ``note.mentioned``."""
    user, session = require_user(), db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    try:
        note = add_note(session, conversation=conversation, author=user, body=args["body"],
                        mentions=args["mentions"])
        view = note_view(note, user)
        session.commit()
    except BadInput as error:
        session.rollback()
        return json_error(422, error.reason, error.field)
    return view


@blueprint.route("/customers/<int:customer_id>/notes")
@blueprint.response(200, NoteOut(many=True))
def list_notes(customer_id: int) -> Any:
    """The customer's notes on every conversation, newest first."""
    user, session = require_user(), db()
    try:
        customer = access_customer(session, user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    return customer_notes(session, customer.id)


@blueprint.route("/colleagues")
@blueprint.response(200, ColleagueOut(many=True))
def list_colleagues() -> Any:
    """The advisors one can @mention in a note."""
    require_user()
    return colleagues(db())


@blueprint.route("/conversations/<int:conversation_id>/reply-channels")
@blueprint.response(200, ReplyChannelOut(many=True))
def list_reply_channels(conversation_id: int) -> Any:
    """The conversation's channel first, then the others, each allowed or not (and why)."""
    user, session = require_user(), db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    options = reply_channels(session, conversation=conversation, registry=services().channels)
    return [o.view() for o in options]


@blueprint.route("/customers/<int:customer_id>/forum-activity")
@blueprint.response(200, ForumActivityOut)
def show_forum_activity(customer_id: int) -> Any:
    """The linked forum member's recent topics and answers."""
    user, session = require_user(), db()
    try:
        customer = access_customer(session, user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    return forum_activity(session, customer.id)
