"""The forum's hub API for advisors: answer as the brand, certify, escalate to a private
case and write in it; the community metrics for supervisors.

Errors: 401 without a user, 403 for metrics asked by an advisor, 404 for an unknown or
unreachable object, 409 when the forum refuses the action (the reason says why), 422 on
a malformed body naming the field."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_smorest import Blueprint

from hub.access import AccessDenied, access_forum_case
from hub.api.routing_admin import require_supervisor
from hub.api.routing_views import invalid
from hub.forum import advisor as actions
from hub.forum import metrics, views
from hub.forum.context import extension
from hub.forum.inbox_reply import reply_in_conversation
from hub.forum.models import ForumPost, ForumTopic, PostStatus
from hub.forum.on_timeline import topic_path
from hub.forum.private_case import send_to_member
from hub.forum.schemas import (
    AnswerIn,
    CertifyIn,
    EscalateIn,
    EscalationOut,
    MetricsOut,
    MetricsQuery,
    PostOut,
    PrivateMessageIn,
    PrivateMessageOut,
)
from hub.forum.service import ForumRefused
from hub.timeline.queries import interaction_view
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("forum_api", __name__, url_prefix="/api/v1/forum",
                      description="Forum questions as work: brand answers, certified "
                                  "answers, private cases; community metrics")


def _topic(topic_id: int) -> ForumTopic:
    topic = db().get(ForumTopic, topic_id)
    if topic is None or topic.status == PostStatus.HIDDEN:
        abort(json_error(404, "no such topic"))
    return topic


def _post(post_id: int) -> ForumPost:
    post = db().get(ForumPost, post_id)
    if post is None or post.status == PostStatus.HIDDEN:
        abort(json_error(404, "no such post"))
    return post


def post_view(post: ForumPost) -> dict[str, Any]:
    return {"id": post.id, "topic_id": post.topic_id, "advisor_id": post.advisor_id,
            "author_id": post.author_id, "body": post.body, "status": post.status,
            "certified": post.certified_by_id is not None,
            "url": f"{topic_path(post.topic)}#post-{post.id}"}


def _act(work: Any, view: Any) -> Any:
    session = db()
    try:
        result = work(session)
        shown = view(result)
        session.commit()
    except ForumRefused as error:
        session.rollback()
        return json_error(409, error.reason)
    return shown


@blueprint.route("/topics/<int:topic_id>/answer", methods=["POST"])
@blueprint.arguments(AnswerIn)
@blueprint.response(201, PostOut)
def answer(data: dict[str, Any], topic_id: int) -> Any:
    """Answer publicly as the brand (labelled); settles the question's work item."""
    user = require_user()
    topic = _topic(topic_id)
    return _act(lambda s: actions.answer_as_brand(
        s, ctx=services().routing, config=extension().config, topic=topic, advisor=user,
        body=data["body"]), post_view)


@blueprint.route("/posts/<int:post_id>/certify", methods=["POST"])
@blueprint.arguments(CertifyIn)
@blueprint.response(200, PostOut)
def certify(data: dict[str, Any], post_id: int) -> Any:
    """Certify a community answer (or withdraw the certification)."""
    user = require_user()
    post = _post(post_id)
    return _act(lambda s: actions.certify_answer(
        s, ctx=services().routing, post=post, advisor=user, certified=data["certified"]),
        post_view)


@blueprint.route("/topics/<int:topic_id>/escalate", methods=["POST"])
@blueprint.arguments(EscalateIn)
@blueprint.response(201, EscalationOut)
def escalate(data: dict[str, Any], topic_id: int) -> Any:
    """Move the question to a private case with its asker."""
    user = require_user()
    topic = _topic(topic_id)

    def work(session: Any) -> Any:
        return actions.escalate(
            session, ctx=services().routing, config=extension().config,
            mailer=extension().mailer, topic=topic, advisor=user, message=data["message"],
            public_url=services().settings.PUBLIC_URL, language=data["language"])

    return _act(work, lambda e: {"id": e.id, "topic_id": e.topic_id,
                                 "conversation_id": e.conversation_id,
                                 "member_id": e.member_id})


@blueprint.route("/cases/<int:escalation_id>/messages", methods=["POST"])
@blueprint.arguments(PrivateMessageIn)
@blueprint.response(201, PrivateMessageOut)
def write_to_member(data: dict[str, Any], escalation_id: int) -> Any:
    """An advisor's message in a private case: delivered to the member's private
    messages, with a mail telling them."""
    user = require_user()
    try:
        escalation = access_forum_case(db(), user=user, escalation_id=escalation_id)
    except AccessDenied:
        return json_error(404, "no such case")
    return _act(lambda s: send_to_member(
        s, escalation=escalation, advisor=user, body=data["body"], mailer=extension().mailer,
        public_url=services().settings.PUBLIC_URL), _message_view)


def _message_view(message: Any) -> dict[str, Any]:
    return {"id": message.id, "escalation_id": message.escalation_id,
            "interaction_id": message.interaction_id, "from_member": message.from_member,
            "body": message.body, "created_at": message.created_at}


@blueprint.route("/metrics")
@blueprint.arguments(MetricsQuery, location="query")
@blueprint.response(200, MetricsOut)
def community_metrics(query: dict[str, Any]) -> Any:
    """Who answers the questions, how fast, how concentrated, deflection, escalations."""
    require_supervisor()
    found = metrics.community_metrics(db(), category=query.get("category"),
                                      since=query.get("since"), until=query.get("until"),
                                      pending_views=views.pending(services().redis))
    if found is None:
        return invalid("category", "no such category")
    return found


def reply_in_forum(conversation: Any, user: Any, body: str) -> Any:
    """``POST /api/v1/conversations/<id>/replies`` on a forum conversation (the inbox's
    reply box): a brand answer on the topic, or a private message in the case."""
    session = db()
    try:
        interaction = reply_in_conversation(
            session, ctx=services().routing, config=extension().config,
            mailer=extension().mailer, public_url=services().settings.PUBLIC_URL,
            conversation=conversation, user=user, body=body)
        view = interaction_view(interaction)
        session.commit()
    except ForumRefused as error:
        session.rollback()
        return json_error(422, error.reason, "body")
    return view
