"""The supervisors' community metrics page at ``/forum/metrics`` (server-rendered; the
same figures as ``GET /api/v1/forum/metrics``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, render_template, request

from hub.forum import metrics, views
from hub.forum.blueprint import blueprint
from hub.forum.context import current_advisor, db, services
from hub.forum.queries import categories

DEFAULT_DAYS = 30


def _day(name: str) -> datetime | None:
    raw = request.args.get(name, "")
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC) if raw else None
    except ValueError:
        abort(400)


@blueprint.route("/metrics")
def community_metrics() -> str:
    advisor = current_advisor()
    if advisor is None or not advisor.is_supervisor:
        abort(403)
    since = _day("since") or datetime.now(UTC).replace(
        hour=0, minute=0, second=0, microsecond=0) - timedelta(days=DEFAULT_DAYS)
    until = _day("until")
    if until is not None:
        until += timedelta(days=1)  # the "until" day is included
    slug = request.args.get("category") or None
    figures = metrics.community_metrics(db(), category=slug, since=since, until=until,
                                        pending_views=views.pending(services().redis))
    if figures is None:
        abort(404)
    return render_template("forum/metrics.html", figures=figures, category=slug,
                           categories=categories(db()), since=since,
                           until=until - timedelta(days=1) if until else None)
