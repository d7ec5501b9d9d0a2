"""marshmallow schemas of the forum's hub API: advisor actions, private cases and the
community metrics. A malformed body is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

BODY = validate.Length(min=1, max=20_000)


class AnswerIn(Schema):
    body = fields.String(required=True, validate=BODY)


class CertifyIn(Schema):
    certified = fields.Boolean(load_default=True)


class EscalateIn(Schema):
    message = fields.String(required=True, validate=BODY,
                            metadata={"description": "the first private message to the member"})
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]),
                             metadata={"description": "language of the public note"})


class PrivateMessageIn(Schema):
    body = fields.String(required=True, validate=BODY)


class PostOut(Schema):
    id = fields.Integer()
    topic_id = fields.Integer()
    advisor_id = fields.Integer(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    body = fields.String()
    status = fields.String()
    certified = fields.Boolean()
    url = fields.String()


class EscalationOut(Schema):
    id = fields.Integer()
    topic_id = fields.Integer()
    conversation_id = fields.Integer()
    member_id = fields.Integer()


class PrivateMessageOut(Schema):
    id = fields.Integer()
    escalation_id = fields.Integer()
    interaction_id = fields.Integer(allow_none=True)
    from_member = fields.Boolean()
    body = fields.String()
    created_at = fields.DateTime()


class MetricsQuery(Schema):
    category = fields.String(validate=validate.Length(1, 80),
                             metadata={"description": "a category slug; all when absent"})
    since = fields.DateTime(metadata={"description": "questions asked from (inclusive)"})
    until = fields.DateTime(metadata={"description": "questions asked before (exclusive)"})

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("must be after since", field_name="until")


class CategoryMetricsOut(Schema):
    category = fields.String()
    questions = fields.Integer()
    answered_by_community = fields.Integer()
    answered_by_brand = fields.Integer()
    unanswered = fields.Integer()
    community_share = fields.Float()
    brand_share = fields.Float()
    unanswered_share = fields.Float()


class MetricsOut(Schema):
    since = fields.DateTime(allow_none=True)
    until = fields.DateTime(allow_none=True)
    questions = fields.Integer()
    answered_by_community = fields.Integer()
    answered_by_brand = fields.Integer()
    unanswered = fields.Integer()
    community_share = fields.Float()
    brand_share = fields.Float()
    unanswered_share = fields.Float()
    median_first_community_reply_seconds = fields.Float(allow_none=True)
    median_solution_seconds = fields.Float(allow_none=True)
    top10_answer_share = fields.Float(allow_none=True)
    suggestion_clicks = fields.Integer()
    clicks_per_question = fields.Float(allow_none=True)
    topic_views = fields.Integer()
    views_per_question = fields.Float(allow_none=True)
    escalations = fields.Integer()
    by_category = fields.List(fields.Nested(CategoryMetricsOut))
