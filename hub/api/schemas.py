"""marshmallow schemas of the REST API; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class EventsQuery(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class EventSchema(Schema):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    room = fields.String(required=True)
    data = fields.Dict(required=True)


class EventPage(Schema):
    events = fields.List(fields.Nested(EventSchema), required=True)
    last_id = fields.Integer(required=True)


class ReplyIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class AttachmentOut(Schema):
    id = fields.Integer()
    content_type = fields.String()
    state = fields.String()


class InteractionOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    channel = fields.String()
    direction = fields.String()
    body = fields.String()
    status = fields.String()
    occurred_at = fields.String()
    attachments = fields.List(fields.Nested(AttachmentOut))


class ConversationOut(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    items = fields.List(fields.Nested(InteractionOut))


class OfferAnswerOut(Schema):
    offer_id = fields.Integer()
    state = fields.String()
    conversation_id = fields.Integer(allow_none=True)


class IdentityOut(Schema):
    kind = fields.String()
    address = fields.String()
    verified = fields.Boolean()


class CustomerOut(Schema):
    id = fields.Integer()
    name = fields.String()
    language = fields.String()
    vip = fields.Boolean()
    identities = fields.List(fields.Nested(IdentityOut))
    account = fields.Dict()


class HealthOut(Schema):
    database = fields.String()
    redis = fields.String()
