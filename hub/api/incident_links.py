"""Incidents in the inbox: link the open conversation to an open incident (or unlink it),
and the customer's open incidents for the customer panel.

Gated like the other conversation routes (the assigned advisor, or a supervisor: else
404); 422 naming ``incident_id`` for an unknown incident; 409 to link a resolved one.
Every link and unlink is audited (``incident.conversation_linked`` / ``_unlinked``)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.access import AccessDenied, access_conversation, access_customer
from hub.api.inbox_schemas import ConversationIncidentsOut, CustomerIncidentOut, IncidentLinkIn
from hub.api.routing_views import invalid
from hub.inbox.customer_incidents import open_incidents
from hub.incidents.links import (
    ResolvedIncident,
    choices,
    link_conversation,
    unlink_conversation,
)
from hub.incidents.models import Incident
from hub.web import db, json_error, require_user

blueprint = Blueprint("incident_links", __name__, url_prefix="/api/v1",
                      description="Incidents in the inbox: links to conversations")


@blueprint.route("/conversations/<int:conversation_id>/incidents")
@blueprint.response(200, ConversationIncidentsOut)
def list_links(conversation_id: int) -> Any:
    """The incidents linked to the conversation and the open ones to choose from."""
    user, session = require_user(), db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    return choices(session, conversation.id)


@blueprint.route("/conversations/<int:conversation_id>/incidents", methods=["POST"])
@blueprint.arguments(IncidentLinkIn)
@blueprint.response(201, ConversationIncidentsOut)
def link(data: dict[str, Any], conversation_id: int) -> Any:
    """Link the conversation to an open incident (linking twice changes nothing)."""
    user, session = require_user(), db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    incident = session.get(Incident, data["incident_id"])
    if incident is None:
        return invalid("incident_id", "no such incident")
    try:
        link_conversation(session, incident=incident, conversation=conversation, user=user)
    except ResolvedIncident as error:
        session.rollback()
        return json_error(409, error.reason)
    view = choices(session, conversation.id)
    session.commit()
    return view


@blueprint.route("/conversations/<int:conversation_id>/incidents/<int:incident_id>",
                 methods=["DELETE"])
@blueprint.response(200, ConversationIncidentsOut)
def unlink(conversation_id: int, incident_id: int) -> Any:
    """Remove the link (404 when there is none)."""
    user, session = require_user(), db()
    try:
        conversation = access_conversation(session, user=user, conversation_id=conversation_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    incident = session.get(Incident, incident_id)
    if incident is None or not unlink_conversation(session, incident=incident,
                                                   conversation=conversation, user=user):
        session.rollback()
        return json_error(404, "the conversation is not linked to this incident")
    view = choices(session, conversation.id)
    session.commit()
    return view


@blueprint.route("/customers/<int:customer_id>/incidents")
@blueprint.response(200, CustomerIncidentOut(many=True))
def customer_incidents(customer_id: int) -> Any:
    """The customer's open incidents: linked to their conversations or matched to their
    forum questions."""
    user, session = require_user(), db()
    try:
        customer = access_customer(session, user=user, customer_id=customer_id)
    except AccessDenied as error:
        return json_error(404, error.reason)
    return open_incidents(session, customer.id)
