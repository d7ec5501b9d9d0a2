"""The forum's blueprint, shared by the page modules; templates and static files beside."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.forum.context import (
    config,
    current_advisor,
    current_member,
    current_moderator,
    language,
    services,
)
from hub.forum.limits import allow, limits
from hub.forum.models import ForumMember
from hub.forum.reputation import badge_name
from hub.forum.service import ForumRefused

blueprint = Blueprint("forum", __name__, url_prefix="/forum", template_folder="templates",
                      static_folder="static", static_url_path="/static")


@blueprint.context_processor
def _globals() -> dict[str, Any]:
    return {"member": current_member(), "advisor": current_advisor(),
            "moderator": current_moderator(), "lang": language(), "badge_name": badge_name}


def require_member() -> ForumMember:
    member = current_member()
    if member is None:
        abort(redirect(url_for("forum.login", next=request.full_path.rstrip("?"))))
    return member


def refused(error: ForumRefused, target: str) -> Response:
    flash(gettext(error.reason), "error")
    return redirect(target)


def limited(action: str, *subjects: str) -> Response | None:
    """None when the attempt is within the rate limit; else the 429 page with the reason
    and ``Retry-After``."""
    limit = limits(config())[action]
    wait = allow(services().redis, limit, *subjects)
    if not wait:
        return None
    response = make_response(render_template("forum/limited.html",
                                             reason=gettext(limit.reason)), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def client_address() -> str:
    return request.remote_addr or "unknown"


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@blueprint.app_template_filter("forum_time")
def forum_time(moment: datetime) -> str:
    """Shown in the forum's time zone."""
    return moment.astimezone(ZoneInfo(config().FORUM_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


@blueprint.app_template_filter("forum_iso")
def forum_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@blueprint.app_template_filter("forum_rfc822")
def forum_rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)
