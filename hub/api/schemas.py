"""marshmallow schemas of the REST API; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hub.customers.profile import ProfileChanges


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
    channel = fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "answer on another channel the customer has (GET …/reply-channels); "
                       "422 on channel when it is not allowed"})
    subject = fields.String(validate=validate.Length(min=1, max=300), metadata={
        "description": "email replies: the subject, sent as written (default: \"Re: \" + "
                       "the conversation's subject); 422 on another channel"})
    quote_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "email replies: a message of this "
                                        "conversation quoted below the reply"})


class AttachmentOut(Schema):
    id = fields.Integer()
    content_type = fields.String()
    state = fields.String()
    filename = fields.String(metadata={"description": "the name the sender gave the file "
                                       "(\"\" when none); shown as text, never a path"})


class InteractionOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    channel = fields.String()
    direction = fields.String()
    body = fields.String()
    status = fields.String()
    has_html = fields.Boolean(metadata={
        "description": "an email's sanitized HTML part is at /api/v1/interactions/<id>/html"})
    occurred_at = fields.String()
    attachments = fields.List(fields.Nested(AttachmentOut))


class ConversationOut(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    subject = fields.String(allow_none=True)
    address = fields.String(attribute="customer_address", metadata={
        "description": "the customer's address on the channel; for a forum topic, its path"})
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
    preferred_channel = fields.String(allow_none=True)
    consent_sms = fields.Boolean()
    consent_email = fields.Boolean()
    tags = fields.List(fields.String())
    vip = fields.Boolean(metadata={"description": "vip_level > 0"})
    vip_level = fields.Integer()
    notes = fields.String()
    created_at = fields.String()
    identities = fields.List(fields.Nested(IdentityOut))
    account = fields.Dict(metadata={
        "description": 'docs/accounts.md; {"available": false, "reason": …} when unavailable'})


class ProfileIn(ProfileChanges):
    """PATCH /customers/<id>: the editable profile fields (unknown fields are refused)."""


class HealthOut(Schema):
    database = fields.String()
    redis = fields.String()


CHANNEL_NAME = r"^[a-z][a-z0-9_]{0,39}$"
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL characters")
TIMELINE_DATES = validate.Range(min=datetime(1900, 1, 1, tzinfo=UTC),
                                max=datetime(9000, 1, 1, tzinfo=UTC))


class CommaList(fields.List):
    """A query list, repeated (``?channel=a&channel=b``) or comma-separated (``?channel=a,b``)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.make_error("invalid")
        parts = [part.strip() for item in value for part in item.split(",")]
        return super()._deserialize(parts, attr, data, **kwargs)


class TimelineQuery(Schema):
    cursor = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "next_cursor of the previous page (opaque)"})
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    channel = CommaList(fields.String(validate=validate.Regexp(CHANNEL_NAME)),
                        load_default=list, metadata={
                            "description": "repeat it, or separate names with commas"})
    direction = fields.String(validate=validate.OneOf(["inbound", "outbound"]))
    conversation_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    since = fields.AwareDateTime(default_timezone=UTC, validate=TIMELINE_DATES, metadata={
        "description": "ISO 8601, inclusive (UTC when no offset is given)"})
    until = fields.AwareDateTime(default_timezone=UTC, validate=TIMELINE_DATES, metadata={
        "description": "ISO 8601, inclusive (UTC when no offset is given)"})
    q = fields.String(validate=[validate.Length(max=200), NO_NUL], metadata={
        "description": 'full-text search: words, "a phrase", or, -word'})

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "since" in data and "until" in data and data["since"] > data["until"]:
            raise ValidationError("must not be before since", "until")


class TimelinePageOut(Schema):
    items = fields.List(fields.Nested(InteractionOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


# --- customer merges, merge suggestions, GDPR export and erasure (hub/api/customer_admin.py)


def _reason() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=3, max=500), metadata={
        "description": "why (kept in the audit log; control characters are encoded)"})


class MergeIn(Schema):
    other_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "the customer merged into this one"})
    reason = _reason()


class ReasonIn(Schema):
    reason = _reason()


class EraseIn(Schema):
    reason = _reason()
    keep_invoices = fields.Boolean(load_default=False, metadata={
        "description": "legal hold: keep the account invoices (recorded in the audit log)"})


class ExportQuery(Schema):
    reason = _reason()


class MergeOut(Schema):
    id = fields.Integer()
    survivor_id = fields.Integer()
    merged_id = fields.Integer()
    automatic = fields.Boolean()
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "rows moved, per table.column"})
    created_at = fields.String()
    undone_at = fields.String(allow_none=True)


class SuggestionOut(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    other_id = fields.Integer()
    other_name = fields.String()
    evidence = fields.String()
    created_at = fields.String()


class ErasureOut(Schema):
    customer_id = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    legal_hold = fields.List(fields.String())
    purged = fields.Dict(keys=fields.String(), values=fields.Integer())
    complete = fields.Boolean(metadata={"description": "false: Redis was unavailable, erase "
                                                       "again to finish"})


class ExportIdentity(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    address = fields.String(required=True)
    verified = fields.Boolean(required=True)
    created_at = fields.String(required=True)


class ExportConversation(Schema):
    id = fields.Integer(required=True)
    channel = fields.String(required=True)
    account = fields.String(required=True)
    customer_address = fields.String(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.String(required=True)
    last_activity_at = fields.String(required=True)


class ExportInteraction(Schema):
    id = fields.Integer(required=True)
    conversation_id = fields.Integer(required=True)
    channel = fields.String(required=True)
    direction = fields.String(required=True)
    body = fields.String(required=True)
    status = fields.String(required=True)
    error_code = fields.String(required=True)
    occurred_at = fields.String(required=True)


class ExportAttachment(Schema):
    id = fields.Integer(required=True)
    interaction_id = fields.Integer(required=True)
    content_type = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True, allow_none=True)
    state = fields.String(required=True)
    source_url = fields.String(required=True)
    stored_file = fields.String(required=True, allow_none=True, metadata={
        "description": "path under DATA_DIR (attachments/<name>), null when not stored"})


class ExportDelivery(Schema):
    id = fields.Integer(required=True)
    interaction_id = fields.Integer(required=True)
    channel = fields.String(required=True)
    to_address = fields.String(required=True)
    state = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.String(required=True)
    sent_at = fields.String(required=True, allow_none=True)


class ExportOut(Schema):
    format = fields.String(required=True)
    exported_at = fields.String(required=True)
    customer = fields.Dict(required=True)
    identities = fields.List(fields.Nested(ExportIdentity), required=True)
    conversations = fields.List(fields.Nested(ExportConversation), required=True)
    interactions = fields.List(fields.Nested(ExportInteraction), required=True, metadata={
        "description": "every interaction, in timeline order"})
    attachments = fields.List(fields.Nested(ExportAttachment), required=True)
    deliveries = fields.List(fields.Nested(ExportDelivery), required=True)
    account = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()),
                          required=True)
