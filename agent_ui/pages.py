"""Server-rendered pages; live updates arrive over Socket.IO (static/inbox.js)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from hub.auth.models import User
from hub.auth.service import authenticate
from hub.events import RealtimeEvent
from hub.routing.models import Queue, WrapUpCode
from hub.routing.worklists import CHANNELS, SLA_STATES, STATUSES
from hub.web import db

log = logging.getLogger(__name__)
blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static/ui")


@blueprint.route("/")
def index() -> Response:
    return redirect(url_for("pages.inbox"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    error = ""
    if request.method == "POST":
        user = authenticate(db(), email=request.form.get("email", ""),
                            password=request.form.get("password", ""))
        if user is not None:
            session.clear()  # a new session on login
            login_user(user)
            log.info("login ok for user %s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.warning("login failed")
        error = _("Wrong email or password.")
    return render_template("login.html", error=error), 401 if error else 200  # type: ignore[return-value]


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
