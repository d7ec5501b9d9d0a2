"""Forum jobs: raise the questions the community left unanswered past their delay; move
the topic views counted in Redis into the database.

``raise_unanswered`` is queued by ``entraide scheduler`` every ``SWEEP_INTERVAL_SECONDS``
as the unique job ``forum-watch``; the due times are rows (``forum_watches``), so a lost
Redis or a restarted scheduler loses nothing: the next run raises what is due.
``flush_views`` is queued at the same pace as the unique job ``forum-views``
(hub/forum/views.py says how no view is lost between two flushes)."""

from __future__ import annotations

from datetime import datetime

from hub.db import transaction
from hub.forum import views
from hub.forum.desk import raise_due
from workers.context import services

RAISE_JOB = "workers.forum.raise_unanswered"
VIEWS_JOB = "workers.forum.flush_views"
BATCH = 50


def raise_unanswered(now: datetime | None = None) -> dict[str, int]:
    """Raise due watches in batches of ``BATCH``, one transaction each (each new work
    item reaches its advisor when its batch commits)."""
    svc = services()
    total = {"raised": 0, "cancelled": 0, "settled": 0}
    while True:
        with transaction(svc.sessions) as session:
            counts = raise_due(session, ctx=svc.routing, now=now, limit=BATCH)
        for key, value in counts.items():
            total[key] += value
        if sum(counts.values()) < BATCH:
            return total


def flush_views() -> dict[str, int]:
    svc = services()
    with svc.sessions() as session:
        return {"views": views.flush(svc.redis, session)}
