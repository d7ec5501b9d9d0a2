"""The moderation queue (advisors and super-users) and the moderation actions."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub.forum import moderation, queries
from hub.forum.blueprint import blueprint, refused
from hub.forum.context import current_moderator, db
from hub.forum.models import ForumPost, ForumTopic
from hub.forum.moderation import Moderator
from hub.forum.pages import canonical_topic_url
from hub.forum.service import ForumRefused


def _moderator() -> Moderator:
    moderator = current_moderator()
    if moderator is None:
        abort(403)
    return moderator


@blueprint.route("/moderation")
def queue() -> str:
    _moderator()
    session = db()
    return render_template("forum/moderation.html", held=queries.held_posts(session),
                           reports=queries.open_reports(session))


@blueprint.route("/moderation/p/<int:post_id>/<action>", methods=["POST"])
def post_action(post_id: int, action: str) -> Response:
    moderator = _moderator()
    session = db()
    post = session.get(ForumPost, post_id)
    if post is None or action not in ("hide", "publish", "dismiss"):
        abort(404)
    try:
        if action == "hide":
            moderation.hide(session, post=post, moderator=moderator,
                            reason=request.form.get("reason", ""))
        elif action == "publish":
            moderation.publish(session, post=post, moderator=moderator)
        else:
            moderation.dismiss_reports(session, post=post, moderator=moderator)
        session.commit()
    except ForumRefused as error:
        return refused(error, url_for("forum.queue"))
    if request.form.get("back") == "topic":
        return redirect(canonical_topic_url(post.topic))
    return redirect(url_for("forum.queue"))


@blueprint.route("/moderation/t/<int:topic_id>/<action>", methods=["POST"])
def topic_action(topic_id: int, action: str) -> Response:
    moderator = _moderator()
    session = db()
    topic = session.get(ForumTopic, topic_id)
    if topic is None or action not in ("lock", "unlock", "move"):
        abort(404)
    if action == "move":
        category = queries.category_by_slug(session, request.form.get("category", ""))
        if category is None:
            abort(400)
        moderation.move(session, topic=topic, category=category, moderator=moderator)
    else:
        moderation.lock(session, topic=topic, moderator=moderator, locked=action == "lock")
    session.commit()
    return redirect(canonical_topic_url(topic))
