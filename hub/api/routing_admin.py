"""Routing configuration for supervisors and admins: queues and their members, rules,
skills, wrap-up codes, advisor profiles, team capacity, and the live overview.

Every write is a 422 naming the field when the body is malformed or refers to nothing,
a 404 for an unknown id, a 409 when the object is in use, a 403 for advisors."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_smorest import Blueprint
from sqlalchemy import select

from hub.api.routing_views import advisor_view, invalid, queue_view, refusal
from hub.auth.models import User
from hub.domain.errors import NotAllowed
from hub.routing import admin
from hub.routing.feed import overview
from hub.routing.models import Queue, RoutingRule, Skill, WrapUpCode
from hub.routing.schemas import (
    AdvisorOut,
    AdvisorPatch,
    MembersIn,
    OverviewOut,
    QueueIn,
    QueueOut,
    QueuePatch,
    RuleIn,
    RuleOut,
    RulePatch,
    SkillIn,
    SkillOut,
    SkillPatch,
    TeamIn,
    TeamOut,
    WrapUpCodeIn,
    WrapUpCodeOut,
    WrapUpCodePatch,
)
from hub.web import db, json_error, require_user, services

queues = Blueprint("queues", __name__, url_prefix="/api/v1/queues",
                   description="Queues, their skills, languages, SLA targets and members")
blueprint = Blueprint("routing", __name__, url_prefix="/api/v1/routing",
                      description="Routing rules, skills, wrap-up codes, advisor profiles")


def require_supervisor() -> User:
    user = require_user()
    if not user.is_supervisor:
        abort(json_error(403, "supervisors and admins only"))
    return user


def _write(work: Any, status: int = 200) -> Any:
    """Run a configuration write: commit, or turn a refusal into its status."""
    session = db()
    try:
        result = work(session)
        session.commit()
    except admin.Invalid as error:
        session.rollback()
        return invalid(error.field, error.reason)
    except NotAllowed as error:
        session.rollback()
        return refusal(error)
    return result, status


# queues ------------------------------------------------------------------------------
@queues.route("")
@queues.response(200, QueueOut(many=True))
def list_queues() -> Any:
    require_supervisor()
    return [queue_view(db(), q) for q in db().scalars(select(Queue).order_by(Queue.id))]


@queues.route("", methods=["POST"])
@queues.arguments(QueueIn)
@queues.response(201, QueueOut)
def create_queue(data: dict[str, Any]) -> Any:
    require_supervisor()
    return _write(lambda s: queue_view(s, admin.save_queue(s, data=data)), 201)


@queues.route("/<int:queue_id>")
@queues.response(200, QueueOut)
def show_queue(queue_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: queue_view(s, admin.get(s, Queue, queue_id)))


@queues.route("/<int:queue_id>", methods=["PATCH"])
@queues.arguments(QueuePatch(partial=True))
@queues.response(200, QueueOut)
def update_queue(data: dict[str, Any], queue_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: queue_view(s, admin.save_queue(s, data=data, queue_id=queue_id)))


@queues.route("/<int:queue_id>", methods=["DELETE"])
@queues.response(204)
def delete_queue(queue_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: admin.delete_queue(s, queue_id=queue_id), 204)


@queues.route("/<int:queue_id>/members", methods=["PUT"])
@queues.arguments(MembersIn)
@queues.response(200, QueueOut)
def set_members(data: dict[str, Any], queue_id: int) -> Any:
    require_supervisor()

    def work(session: Any) -> Any:
        admin.set_members(session, queue_id=queue_id, user_ids=data["user_ids"])
        return queue_view(session, admin.get(session, Queue, queue_id))

    return _write(work)


# rules -------------------------------------------------------------------------------
def _rule(rule: RoutingRule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "position": rule.position,
            "enabled": rule.enabled, "conditions": rule.conditions,
            "queue_id": rule.queue_id, "priority": rule.priority}


@blueprint.route("/rules")
@blueprint.response(200, RuleOut(many=True))
def list_rules() -> Any:
    require_supervisor()
    rows = db().scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    return [_rule(r) for r in rows]


@blueprint.route("/rules", methods=["POST"])
@blueprint.arguments(RuleIn)
@blueprint.response(201, RuleOut)
def create_rule(data: dict[str, Any]) -> Any:
    require_supervisor()
    return _write(lambda s: _rule(admin.save_rule(s, data=data)), 201)


@blueprint.route("/rules/<int:rule_id>")
@blueprint.response(200, RuleOut)
def show_rule(rule_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: _rule(admin.get(s, RoutingRule, rule_id)))


@blueprint.route("/rules/<int:rule_id>", methods=["PATCH"])
@blueprint.arguments(RulePatch(partial=True))
@blueprint.response(200, RuleOut)
def update_rule(data: dict[str, Any], rule_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: _rule(admin.save_rule(s, data=data, rule_id=rule_id)))


@blueprint.route("/rules/<int:rule_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_rule(rule_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: admin.delete_rule(s, rule_id=rule_id), 204)


# skills ------------------------------------------------------------------------------
def _skill(skill: Skill) -> dict[str, Any]:
    return {"id": skill.id, "name": skill.name, "label": skill.label}


@blueprint.route("/skills")
@blueprint.response(200, SkillOut(many=True))
def list_skills() -> Any:
    require_supervisor()
    return [_skill(s) for s in db().scalars(select(Skill).order_by(Skill.name))]


@blueprint.route("/skills", methods=["POST"])
@blueprint.arguments(SkillIn)
@blueprint.response(201, SkillOut)
def create_skill(data: dict[str, Any]) -> Any:
    require_supervisor()
    return _write(lambda s: _skill(admin.save_skill(s, data=data)), 201)


@blueprint.route("/skills/<int:skill_id>", methods=["PATCH"])
@blueprint.arguments(SkillPatch(partial=True))
@blueprint.response(200, SkillOut)
def update_skill(data: dict[str, Any], skill_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: _skill(admin.save_skill(s, data=data, skill_id=skill_id)))


@blueprint.route("/skills/<int:skill_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_skill(skill_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: admin.delete_skill(s, skill_id=skill_id), 204)


# wrap-up codes (every advisor reads them: closing needs one) -----------------------------
def _code(code: WrapUpCode) -> dict[str, Any]:
    return {"id": code.id, "code": code.code, "label": code.label, "active": code.active}


@blueprint.route("/wrap-up-codes")
@blueprint.response(200, WrapUpCodeOut(many=True))
def list_wrap_up_codes() -> Any:
    require_user()
    return [_code(c) for c in db().scalars(select(WrapUpCode).order_by(WrapUpCode.code))]


@blueprint.route("/wrap-up-codes", methods=["POST"])
@blueprint.arguments(WrapUpCodeIn)
@blueprint.response(201, WrapUpCodeOut)
def create_wrap_up_code(data: dict[str, Any]) -> Any:
    require_supervisor()
    return _write(lambda s: _code(admin.save_wrap_up_code(s, data=data)), 201)


@blueprint.route("/wrap-up-codes/<int:code_id>", methods=["PATCH"])
@blueprint.arguments(WrapUpCodePatch(partial=True))
@blueprint.response(200, WrapUpCodeOut)
def update_wrap_up_code(data: dict[str, Any], code_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: _code(admin.save_wrap_up_code(s, data=data, code_id=code_id)))


# advisors and teams ------------------------------------------------------------------
@blueprint.route("/advisors")
@blueprint.response(200, AdvisorOut(many=True))
def list_advisors() -> Any:
    require_supervisor()
    users = db().scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [advisor_view(db(), u, services().routing) for u in users]


@blueprint.route("/advisors/<int:user_id>", methods=["PATCH"])
@blueprint.arguments(AdvisorPatch(partial=True))
@blueprint.response(200, AdvisorOut)
def update_advisor(data: dict[str, Any], user_id: int) -> Any:
    require_supervisor()
    return _write(lambda s: advisor_view(s, admin.update_advisor(s, user_id=user_id, data=data),
                                         services().routing))


@blueprint.route("/teams/<int:team_id>", methods=["PUT"])
@blueprint.arguments(TeamIn)
@blueprint.response(200, TeamOut)
def update_team(data: dict[str, Any], team_id: int) -> Any:
    require_supervisor()

    def work(session: Any) -> Any:
        team = admin.update_team(session, team_id=team_id, capacity=data["capacity"])
        return {"id": team.id, "name": team.name, "capacity": team.capacity}

    return _write(work)


@blueprint.route("/overview")
@blueprint.response(200, OverviewOut)
def show_overview() -> Any:
    require_supervisor()
    return overview(db(), ctx=services().routing)
