"""Schemas of the inbox endpoints around a conversation (notes, canned responses, reply
channels, forum activity); the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hub.inbox.canned import VARIABLES

ID = validate.Range(min=1, max=2**31 - 1)


class NoteIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    mentions = fields.List(fields.Integer(validate=ID), load_default=list,
                           validate=validate.Length(max=20), metadata={
                               "description": "user ids of the colleagues mentioned"})


class NoteOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    customer_id = fields.Integer()
    author_user_id = fields.Integer(allow_none=True)
    author = fields.String()
    body = fields.String()
    mentions = fields.List(fields.Integer())
    created_at = fields.String()


class ColleagueOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ReplyChannelOut(Schema):
    channel = fields.String()
    kind = fields.String()
    current = fields.Boolean(metadata={"description": "the conversation's own channel"})
    allowed = fields.Boolean()
    reason = fields.String(metadata={"description": "why not, when not allowed"})
    address = fields.String()
    max_length = fields.Integer()


class CannedQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=80), metadata={
        "description": "a shortcut prefix (a leading / or # is ignored) or title words"})


class CannedIn(Schema):
    shortcut = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000), metadata={
        "description": "variables: " + ", ".join("{" + v + "}" for v in VARIABLES)
                       + "; {{ and }} for literal braces"})
    language = fields.String(load_default="", validate=validate.OneOf(["", "fr", "en"]))


class CannedOut(Schema):
    id = fields.Integer()
    shortcut = fields.String()
    title = fields.String()
    body = fields.String()
    language = fields.String()
    updated_at = fields.String()


class RenderQuery(Schema):
    conversation_id = fields.Integer(required=True, validate=ID)


class RenderedOut(Schema):
    text = fields.String()


class ForumActivityOut(Schema):
    member = fields.Dict(allow_none=True, metadata={
        "description": "id, pseudonym, reputation, banned; null when no member is linked"})
    topics = fields.List(fields.Dict())
    posts = fields.List(fields.Dict())


class CannedPatch(CannedIn):
    """PATCH: only the fields sent change."""


class IncidentLinkIn(Schema):
    incident_id = fields.Integer(required=True, strict=True, validate=ID,
                                 metadata={"description": "an open incident"})


class IncidentBriefOut(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String(metadata={"description": "declared, updated or resolved"})
    started_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class ConversationIncidentsOut(Schema):
    linked = fields.List(fields.Nested(IncidentBriefOut), required=True)
    open = fields.List(fields.Nested(IncidentBriefOut), required=True, metadata={
        "description": "open incidents not linked yet, to choose from"})


class CustomerIncidentOut(IncidentBriefOut):
    conversation_ids = fields.List(fields.Integer(), metadata={
        "description": "the customer's conversations linked to it by advisors"})
    topic_ids = fields.List(fields.Integer(), metadata={
        "description": "the customer's forum questions the incident matched"})
