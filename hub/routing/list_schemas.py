"""marshmallow schemas of the inbox lists and the follow-up actions (reopen, tags)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hub.routing.followup import MAX_TAG_LENGTH, MAX_TAGS
from hub.routing.schemas import NOTE, WorkItemOut
from hub.routing.worklists import CHANNELS, SLA_STATES, STATUSES, VIEWS


class WorkListQuery(Schema):
    view = fields.String(load_default="mine", validate=validate.OneOf(VIEWS))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String(load_default="open", validate=validate.OneOf(STATUSES))
    queue = fields.Integer(strict=False, validate=validate.Range(min=1))
    sla = fields.String(validate=validate.OneOf(SLA_STATES))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$",
                                                    error="not a cursor of this list"))
    limit = fields.Integer(strict=False, load_default=50, validate=validate.Range(1, 200))


class NamedRef(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)


class ViewerOut(Schema):
    user_id = fields.Integer()
    name = fields.String()


class CustomerRef(Schema):
    id = fields.Integer()
    name = fields.String()
    vip = fields.Boolean()


class WorkRowOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    state = fields.String()
    held = fields.Boolean()
    channel = fields.String()
    channel_class = fields.String()
    queue = fields.Nested(NamedRef)
    customer = fields.Nested(CustomerRef)
    assigned = fields.Nested(NamedRef, allow_none=True)
    subject = fields.String()
    first_words = fields.String()
    waiting_since = fields.String()
    priority = fields.Integer()
    sla_state = fields.String()
    sla_due_at = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    wrap_up_code = fields.String(allow_none=True)
    viewers = fields.List(fields.Nested(ViewerOut))


class CountsOut(Schema):
    mine = fields.Integer()
    queues = fields.Integer()
    all = fields.Integer(allow_none=True, metadata={"description": "null for advisors"})


class WorkListOut(Schema):
    view = fields.String()
    items = fields.List(fields.Nested(WorkRowOut))
    next_cursor = fields.String(allow_none=True)
    counts = fields.Nested(CountsOut)


class ReopenIn(Schema):
    note = fields.String(load_default="", validate=NOTE)


class TagsIn(Schema):
    tags = fields.List(fields.String(validate=validate.Length(1, MAX_TAG_LENGTH)),
                       required=True, validate=validate.Length(max=MAX_TAGS))


class TaggedOut(WorkItemOut):
    tags = fields.List(fields.String())
