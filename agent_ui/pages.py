"""Server-rendered pages; live updates arrive over Socket.IO (static/inbox.js)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from hub.audit.service import Actor, record
from hub.auth.models import User
from hub.auth.service import authenticate
from hub.events import RealtimeEvent
from hub.routing.models import Queue, WrapUpCode
from hub.routing.worklists import CHANNELS, SLA_STATES, STATUSES
from hub.web import db, services

log = logging.getLogger(__name__)
blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static/ui")


@blueprint.route("/")
def index() -> Response:
    return redirect(url_for("pages.inbox"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method != "POST":
        return render_template("login.html", error="")
    email = request.form.get("email", "")[:320]
    address = request.remote_addr or ""
    throttle = services().signin_throttle
    wait = throttle.wait_seconds(email=email, ip=address)
    if wait:
        log.warning("login refused: too many failures (retry in %s s)", wait)
        error = _("Too many failed sign-ins. Try again in %(minutes)s min.",
                  minutes=max(1, -(-wait // 60)))
        page = make_response(render_template("login.html", error=error), 429)
        page.headers["Retry-After"] = str(wait)
        return page
    user = authenticate(db(), email=email, password=request.form.get("password", ""))
    if user is None:
        throttle.failed(email=email, ip=address)
        record(db(), actor=Actor.system("signin"), action="auth.signin_failed",
               subject_type="signin", subject_id="-", reason="wrong email or password",
               details={"email": email, "address": address})
        db().commit()
        log.warning("login failed")
        return render_template("login.html", error=_("Wrong email or password.")), 401  # type: ignore[return-value]
    throttle.succeeded(email=email)
    record(db(), actor=Actor.user(user.id), action="auth.signin", subject_type="user",
           subject_id=user.id, reason="signed in", details={"address": address})
    db().commit()
    session.clear()  # a new session on login
    login_user(user)
    log.info("login ok for user %s", user.id)
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("pages.inbox")


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("pages.login"))


@blueprint.route("/inbox")
@login_required
def inbox() -> str:
    return render_template("inbox.html", user=current_user, **inbox_choices())


def inbox_choices() -> dict[str, Any]:
    """What the inbox's filters and action forms offer: queues, colleagues, wrap-up codes
    (small queries, rendered into the page so the forms work at first paint), and the
    newest event id, where a new tab's catch-up starts."""
    session = db()
    return {
        "queues": session.execute(select(Queue.id, Queue.name).order_by(Queue.name)).all(),
        "advisors": session.execute(select(User.id, User.name).where(User.active.is_(True))
                                    .order_by(User.name)).all(),
        "wrap_up_codes": session.execute(select(WrapUpCode.code, WrapUpCode.label)
                                         .where(WrapUpCode.active.is_(True))
                                         .order_by(WrapUpCode.code)).all(),
        "channels": CHANNELS, "statuses": STATUSES, "sla_states": SLA_STATES,
        "last_event_id": session.scalar(select(func.max(RealtimeEvent.id))) or 0,
    }
