"""Member pages: register, confirm the email, sign in and out, profiles, leaderboard."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.db import utcnow
from hub.forum import members, moderation, queries
from hub.forum.blueprint import blueprint, client_address, limited, refused, require_member
from hub.forum.context import (
    config,
    current_moderator,
    db,
    extension,
    log_in_member,
    log_out_member,
    secret,
    services,
)
from hub.forum.models import ForumMember
from hub.forum.reputation import rank_of
from hub.forum.service import ForumRefused
from hub.forum.text import slugify


def _verify_url() -> str:
    """From PUBLIC_URL, never from the request's Host header (mailed links)."""
    return services().settings.public_url + url_for("forum.index") + "verify/{token}"


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> Response | str:
    form = {k: request.form.get(k, "") for k in ("email", "pseudonym")}
    if request.method == "POST":
        blocked = limited("register", "ip:" + client_address())
        if blocked is not None:
            return blocked
        session = db()
        try:
            members.register(session, email=form["email"], pseudonym=form["pseudonym"],
                             password=request.form.get("password", ""),
                             mailer=extension().mailer, secret=secret(),
                             verify_url=_verify_url())
            session.commit()
        except ForumRefused as error:
            flash(gettext(error.reason), "error")
        else:
            return render_template("forum/check_email.html")
    return render_template("forum/register.html", form=form)


@blueprint.route("/verify/<token>")
def verify(token: str) -> Response:
    session = db()
    try:
        member = members.verify_email(session, token=token, secret=secret(),
                                      max_age=config().FORUM_VERIFY_MAX_AGE)
        session.commit()
    except ForumRefused as error:
        return refused(error, url_for("forum.login"))
    log_in_member(member)
    flash(gettext("Your email address is confirmed. Welcome!"), "notice")
    return redirect(url_for("forum.index"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "POST":
        blocked = limited("sign_in", "ip:" + client_address(),
                          "email:" + request.form.get("email", "").strip().lower())
        if blocked is not None:
            return blocked
        member = members.authenticate(db(), email=request.form.get("email", ""),
                                      password=request.form.get("password", ""))
        if member is not None:
            log_in_member(member)
            return redirect(_safe_next(request.args.get("next")))
        flash(gettext("Wrong email or password."), "error")
        return render_template("forum/login.html"), 401  # type: ignore[return-value]
    return render_template("forum/login.html")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/forum") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("forum.index")


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    log_out_member()
    return redirect(url_for("forum.index"))


@blueprint.route("/u/<int:member_id>-<slug>")
@blueprint.route("/u/<int:member_id>")
def profile(member_id: int, slug: str = "") -> Response | str:
    session = db()
    found = queries.member(session, member_id)
    if found is None:
        abort(404)
    canonical = slugify(found.pseudonym, fallback="membre")
    if slug != canonical:
        return redirect(url_for("forum.profile", member_id=member_id, slug=canonical), 301)
    return render_template("forum/profile.html", person=found,
                           rank=rank_of(queries.ranks(session), found.reputation),
                           topics=queries.member_topics(session, found.id))


@blueprint.route("/profile", methods=["POST"])
def edit_profile() -> Response:
    member = require_member()
    members.update_profile(db(), member=member, bio=request.form.get("bio", ""))
    db().commit()
    return redirect(url_for("forum.profile", member_id=member.id,
                            slug=slugify(member.pseudonym, fallback="membre")))


@blueprint.route("/u/<int:member_id>/ban", methods=["POST"])
def ban(member_id: int) -> Response:
    moderator = current_moderator()
    found = db().get(ForumMember, member_id)
    if moderator is None or found is None:
        abort(403)
    try:
        moderation.ban(db(), member=found, moderator=moderator,
                       banned=request.form.get("banned", "1") == "1",
                       reason=request.form.get("reason", ""))
        db().commit()
    except ForumRefused as error:
        return refused(error, url_for("forum.profile", member_id=member_id))
    return redirect(url_for("forum.profile", member_id=member_id))


@blueprint.route("/leaderboard")
def leaderboard() -> str:
    period = "all" if request.args.get("period") == "all" else "month"
    session = db()
    since = _month_start(utcnow()) if period == "month" else None
    ranks = queries.ranks(session)
    return render_template("forum/leaderboard.html", period=period,
                           rows=queries.leaderboard(session, since=since),
                           rank_of=lambda points: rank_of(ranks, points))


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
