"""Private cases on the forum's pages: the member's private messages (read and answer)
and the advisor's "handle privately" form on a topic."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.forum import advisor as actions
from hub.forum.blueprint import blueprint, limited, refused, require_member
from hub.forum.context import config, current_advisor, db, extension, language, services
from hub.forum.desk_models import ForumEscalation
from hub.forum.models import ForumTopic
from hub.forum.pages import canonical_topic_url
from hub.forum.private_case import cases_of, mark_read, member_replies
from hub.forum.service import ForumRefused


@blueprint.route("/messages")
def messages() -> str:
    member = require_member()
    session = db()
    cases = cases_of(session, member.id)
    mark_read(session, member.id)
    session.commit()
    return render_template("forum/messages.html", cases=cases)


@blueprint.route("/messages/<int:escalation_id>/reply", methods=["POST"])
def answer_privately(escalation_id: int) -> Response:
    member = require_member()
    session = db()
    escalation = session.get(ForumEscalation, escalation_id)
    if escalation is None or escalation.member_id != member.id:
        abort(404)
    target = url_for("forum.messages") + f"#case-{escalation.id}"
    blocked = limited("post", f"member:{member.id}")
    if blocked is not None:
        return blocked
    try:
        member_replies(session, ctx=services().routing, escalation=escalation, member=member,
                       body=request.form.get("body", ""))
        session.commit()
    except ForumRefused as error:
        return refused(error, target)
    flash(gettext("Your message was sent to the Entraide team."), "notice")
    return redirect(target)


@blueprint.route("/t/<int:topic_id>/escalate", methods=["POST"])
def escalate(topic_id: int) -> Response:
    advisor = current_advisor()
    if advisor is None:
        abort(403)
    session = db()
    topic = session.get(ForumTopic, topic_id)
    if topic is None:
        abort(404)
    try:
        actions.escalate(session, ctx=services().routing, config=config(),
                         mailer=extension().mailer, topic=topic, advisor=advisor,
                         message=request.form.get("message", ""),
                         public_url=services().settings.PUBLIC_URL, language=language())
        session.commit()
    except ForumRefused as error:
        return refused(error, canonical_topic_url(topic))
    flash(gettext("The question is now a private case in the hub."), "notice")
    return redirect(canonical_topic_url(topic))
