"""Writing pages: ask (with similar solved questions), reply, quote, edit and its history,
kudos, accept, certify, report. Every form carries the CSRF token."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.forum import advisor as actions
from hub.forum import announcements, moderation, queries, search, service
from hub.forum.blueprint import blueprint, limited, refused, require_member
from hub.forum.context import (
    config,
    current_advisor,
    current_member,
    current_moderator,
    db,
    services,
)
from hub.forum.markdown import quote
from hub.forum.models import ForumPost, ForumTopic, PostStatus
from hub.forum.pages import canonical_topic_url
from hub.forum.service import ForumRefused


def _post(post_id: int) -> ForumPost:
    post = db().get(ForumPost, post_id)
    visible = post is not None and (post.status == PostStatus.PUBLISHED
                                    or current_moderator() is not None)
    if post is None or not visible:
        abort(404)
    return post


def _back(post: ForumPost) -> str:
    return canonical_topic_url(post.topic) + f"#post-{post.id}"


@blueprint.route("/c/<slug>/new", methods=["GET", "POST"])
def new_topic(slug: str) -> Response | str:
    member = require_member()
    session = db()
    category = queries.category_by_slug(session, slug)
    if category is None:
        abort(404)
    form = {k: request.form.get(k, "") for k in ("title", "body", "tags")}
    if request.method == "POST":
        blocked = limited("post", f"member:{member.id}")
        if blocked is not None:
            return blocked
        try:
            topic = service.create_topic(session, config=config(), category=category,
                                         author=member, **form)
            session.commit()
        except ForumRefused as error:
            flash(gettext(error.reason), "error")
        else:
            if topic.status == PostStatus.HELD:
                flash(gettext("Personal data was masked: a moderator will review your "
                              "question before it is published."), "notice")
            if announcements.announcements_for_topic(session, topic.id):
                flash(gettext("An incident is in progress: read the announcement below."),
                      "notice")
            return redirect(canonical_topic_url(topic))
    return render_template("forum/new_topic.html", category=category, form=form)


@blueprint.route("/similar")
def similar() -> Response:
    query = request.args.get("q", "")[:200]
    results = search.similar_topics(db(), query)
    return jsonify({"results": [
        {"id": r.topic_id, "title": r.title,
         "url": url_for("forum.topic", topic_id=r.topic_id, slug=r.slug)} for r in results]})


@blueprint.route("/similar/click", methods=["POST"])
def similar_click() -> Response:
    data = request.get_json(silent=True) or {}
    topic_id = data.get("topic_id")
    if not isinstance(topic_id, int):
        abort(400)
    member = current_member()
    session = db()
    if service.record_suggestion_click(session, topic_id=topic_id, query=str(data.get("q", "")),
                                       member_id=member.id if member else None):
        session.commit()
    return Response(status=204)


@blueprint.route("/t/<int:topic_id>/reply", methods=["POST"])
def reply(topic_id: int) -> Response:
    session = db()
    topic = session.get(ForumTopic, topic_id)
    if topic is None:
        abort(404)
    advisor = current_advisor()
    as_brand = advisor is not None and request.form.get("as_brand") == "1"
    member = None if as_brand else require_member()
    if member is not None and (blocked := limited("post", f"member:{member.id}")) is not None:
        return blocked
    quote_of = request.form.get("quote_of", "")
    try:
        if as_brand:
            assert advisor is not None
            post = actions.answer_as_brand(session, ctx=services().routing, config=config(),
                                           topic=topic, advisor=advisor,
                                           body=request.form.get("body", ""))
        else:
            post = service.reply(session, config=config(), topic=topic, member=member,
                                 body=request.form.get("body", ""),
                                 quote_of_id=int(quote_of) if quote_of.isdigit() else None)
        session.commit()
    except ForumRefused as error:
        return refused(error, canonical_topic_url(topic) + "#reply")
    if post.status == PostStatus.HELD:
        flash(gettext("Personal data was masked: a moderator will review your reply before "
                      "it is published."), "notice")
    return redirect(_back(post))


@blueprint.route("/p/<int:post_id>/quote")
def quote_post(post_id: int) -> str:
    post = _post(post_id)
    return render_template("forum/reply.html", topic=post.topic, quoted=post,
                           body=quote(post.body))


@blueprint.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
def edit(post_id: int) -> Response | str:
    post = _post(post_id)
    member = current_member()
    moderator = current_moderator() is not None
    if not moderator and (member is None or post.author_id != member.id):
        abort(403)
    if request.method == "POST":
        session = db()
        try:
            service.edit_post(session, config=config(), post=post, member=member,
                              moderator=moderator, body=request.form.get("body", ""),
                              title=request.form.get("title"))
            session.commit()
        except ForumRefused as error:
            return refused(error, url_for("forum.edit", post_id=post.id))
        return redirect(_back(post))
    return render_template("forum/edit_post.html", post=post)


@blueprint.route("/p/<int:post_id>/history")
def history(post_id: int) -> str:
    post = _post(post_id)
    return render_template("forum/history.html", post=post,
                           revisions=queries.revisions(db(), post.id))


@blueprint.route("/p/<int:post_id>/kudos", methods=["POST"])
def kudos(post_id: int) -> Response:
    member = require_member()
    post = _post(post_id)
    try:
        service.give_kudos(db(), post=post, member=member)
        db().commit()
    except ForumRefused as error:
        return refused(error, _back(post))
    return redirect(_back(post))


@blueprint.route("/p/<int:post_id>/accept", methods=["POST"])
def accept(post_id: int) -> Response:
    post = _post(post_id)
    try:
        service.accept_solution(db(), post=post, member=current_member(),
                                moderator=current_moderator() is not None)
        db().commit()
    except ForumRefused as error:
        return refused(error, _back(post))
    return redirect(_back(post))


@blueprint.route("/p/<int:post_id>/certify", methods=["POST"])
def certify(post_id: int) -> Response:
    advisor = current_advisor()
    if advisor is None:
        abort(403)
    post = _post(post_id)
    try:
        actions.certify_answer(db(), ctx=services().routing, post=post, advisor=advisor,
                               certified=request.form.get("certified", "1") == "1")
        db().commit()
    except ForumRefused as error:
        return refused(error, _back(post))
    return redirect(_back(post))


@blueprint.route("/p/<int:post_id>/report", methods=["GET", "POST"])
def report(post_id: int) -> Response | str:
    member = require_member()
    post = _post(post_id)
    if request.method == "POST":
        try:
            moderation.report(db(), post=post, reporter=member,
                              reason=request.form.get("reason", ""),
                              comment=request.form.get("comment", ""))
            db().commit()
        except ForumRefused as error:
            return refused(error, url_for("forum.report", post_id=post.id))
        flash(gettext("Thank you: a moderator will look at this message."), "notice")
        return redirect(_back(post))
    return render_template("forum/report.html", post=post, reasons=moderation.REASONS)
