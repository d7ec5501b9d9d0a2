"""marshmallow schemas of the routing API: queues, rules, skills, wrap-up codes, advisor
profiles, and the work-item actions. A malformed body is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hub.routing.strategy import CLASSES

LANGUAGE = validate.Regexp(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$",
                           error="must be a lower-case language code such as fr or en-gb")
SKILL = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,59}$",
                        error="must be lower-case letters, digits, - or _ (at most 60)")
CHANNEL = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$",
                          error="must be a channel name or kind such as twilio_sms or sms")
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{0,39}$",
                       error="must be lower-case letters, digits, ., - or _ (at most 40)")
NOTE = validate.Length(max=2000)


def skill_levels() -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=SKILL),
                       values=fields.Integer(strict=True, validate=validate.Range(1, 5)),
                       metadata={"description": "skill name -> level 1-5"})


class AttributeValue(fields.Raw):
    """A string, number, boolean, or list of strings (IVR choice, form fields…)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        scalar = (str, int, float, bool)
        if isinstance(value, str) and len(value) <= 200 or isinstance(value, scalar[1:]):
            return value
        if isinstance(value, list) and len(value) <= 50 and all(
                isinstance(v, str) and len(v) <= 200 for v in value):
            return value
        raise ValidationError("must be a string, number, boolean or list of strings")


class CapacityIn(Schema):
    voice = fields.Integer(strict=True, validate=validate.Range(0, 5))
    chat = fields.Integer(strict=True, validate=validate.Range(0, 20))
    async_ = fields.Integer(strict=True, validate=validate.Range(0, 100), data_key="async")
    auto_accept = fields.List(fields.String(validate=validate.OneOf(CLASSES)),
                              metadata={"description": "classes accepted without asking"})


class SlaTargetIn(Schema):
    channel = fields.String(load_default="*", validate=validate.OneOf([*CLASSES, "*"]))
    min_priority = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 100))
    seconds = fields.Integer(strict=True, required=True,
                             validate=validate.Range(1, 30 * 86400))


class QueueIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 80))
    description = fields.String(validate=validate.Length(max=300))
    required_skills = skill_levels()
    languages = fields.List(fields.String(validate=LANGUAGE), validate=validate.Length(max=20))
    sla_targets = fields.List(fields.Nested(SlaTargetIn), validate=validate.Length(max=20))
    is_default = fields.Boolean()


class QueueOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    is_default = fields.Boolean()
    required_skills = fields.Dict()
    languages = fields.List(fields.String())
    sla_targets = fields.List(fields.Dict())
    member_ids = fields.List(fields.Integer())


class MembersIn(Schema):
    user_ids = fields.List(fields.Integer(strict=True), required=True,
                           validate=validate.Length(max=5000))


class ConditionsIn(Schema):
    channels = fields.List(fields.String(validate=CHANNEL), validate=validate.Length(max=50))
    keywords = fields.List(fields.String(validate=validate.Length(1, 80)),
                           validate=validate.Length(max=200))
    tags = fields.List(fields.String(validate=validate.Length(1, 60)),
                       validate=validate.Length(max=50))
    vip = fields.Boolean(allow_none=True)
    languages = fields.List(fields.String(validate=LANGUAGE), validate=validate.Length(max=20))
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(1, 60)),
                             values=AttributeValue(), validate=validate.Length(max=20))


class RuleIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 120))
    position = fields.Integer(strict=True, load_default=100,
                              validate=validate.Range(0, 100_000))
    enabled = fields.Boolean(load_default=True)
    conditions = fields.Nested(ConditionsIn, load_default=dict)
    queue_id = fields.Integer(strict=True, required=True)
    priority = fields.Integer(strict=True, load_default=0, validate=validate.Range(-10, 10))


class RuleOut(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    enabled = fields.Boolean()
    conditions = fields.Dict()
    queue_id = fields.Integer()
    priority = fields.Integer()


class SkillIn(Schema):
    name = fields.String(required=True, validate=SKILL)
    label = fields.String(validate=validate.Length(max=120))


class SkillOut(Schema):
    id = fields.Integer()
    name = fields.String()
    label = fields.String()


class WrapUpCodeIn(Schema):
    code = fields.String(required=True, validate=CODE)
    label = fields.String(validate=validate.Length(max=120))
    active = fields.Boolean()


class WrapUpCodeOut(Schema):
    id = fields.Integer()
    code = fields.String()
    label = fields.String()
    active = fields.Boolean()


class AdvisorIn(Schema):
    skills = skill_levels()
    languages = fields.List(fields.String(validate=LANGUAGE), validate=validate.Length(max=20))
    capacity = fields.Nested(CapacityIn, allow_none=True)
    team_id = fields.Integer(strict=True, allow_none=True)


class AdvisorOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    team_id = fields.Integer(allow_none=True)
    skills = fields.Dict()
    languages = fields.List(fields.String())
    capacity = fields.Dict(allow_none=True, metadata={"description": "own override"})
    effective_capacity = fields.Dict()
    queue_ids = fields.List(fields.Integer())
    status = fields.String()
    load = fields.Dict()


class TeamIn(Schema):
    capacity = fields.Nested(CapacityIn, allow_none=True, required=True)


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    capacity = fields.Dict(allow_none=True)


class TransferIn(Schema):
    queue_id = fields.Integer(strict=True)
    user_id = fields.Integer(strict=True)
    note = fields.String(load_default="", validate=NOTE)

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("queue_id" in data) == ("user_id" in data):
            raise ValidationError("give either queue_id or user_id", "queue_id")


class CloseIn(Schema):
    wrap_up_code = fields.String(required=True, validate=validate.Length(1, 40))
    note = fields.String(load_default="", validate=NOTE)


class WorkItemOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    customer_id = fields.Integer(allow_none=True)
    queue_id = fields.Integer()
    state = fields.String()
    assigned_user_id = fields.Integer(allow_none=True)
    channel_class = fields.String()
    priority = fields.Integer()
    held = fields.Boolean()
    sla_state = fields.String()
    sla_due_at = fields.String(allow_none=True)
    wrap_up_code = fields.String(allow_none=True)
    created_at = fields.String()


class OverviewOut(Schema):
    queues = fields.List(fields.Dict())
    advisors = fields.List(fields.Dict())


class MeOut(Schema):
    user_id = fields.Integer()
    status = fields.String()
    load = fields.Dict()
    capacity = fields.Dict()
    queue_ids = fields.List(fields.Integer())
    work_items = fields.List(fields.Nested(WorkItemOut))


class QueuePatch(QueueIn):
    """QueueIn, every field optional (used with ``partial=True``)."""


class RulePatch(RuleIn):
    """RuleIn, every field optional (used with ``partial=True``)."""


class SkillPatch(SkillIn):
    """SkillIn, every field optional (used with ``partial=True``)."""


class WrapUpCodePatch(WrapUpCodeIn):
    """WrapUpCodeIn, every field optional (used with ``partial=True``)."""


class AdvisorPatch(AdvisorIn):
    """AdvisorIn, every field optional (used with ``partial=True``)."""
