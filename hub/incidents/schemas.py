"""marshmallow schemas of the incidents API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

MESSAGE = validate.Length(min=1, max=5000)


class IncidentIn(Schema):
    title = fields.String(required=True, validate=validate.Length(5, 200))
    message = fields.String(required=True, validate=MESSAGE)
    categories = fields.List(fields.String(validate=validate.Length(1, 80)), load_default=list,
                             metadata={"description": "forum category slugs; empty: all"})
    keywords = fields.List(fields.String(validate=validate.Length(2, 60)), required=True,
                           validate=validate.Length(1, 20),
                           metadata={"description": "words that link new questions"})


class StepIn(Schema):
    message = fields.String(required=True, validate=MESSAGE)


class ListQuery(Schema):
    active = fields.Boolean(load_default=False)


class UpdateOut(Schema):
    status = fields.String()
    message = fields.String()
    at = fields.DateTime()


class IncidentOut(Schema):
    id = fields.Integer()
    title = fields.String()
    message = fields.String()
    status = fields.String()
    categories = fields.List(fields.String())
    keywords = fields.List(fields.String())
    started_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    announcement_topic_id = fields.Integer(allow_none=True)
    linked_topic_ids = fields.List(fields.Integer())
    updates = fields.List(fields.Nested(UpdateOut))
