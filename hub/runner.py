"""Long-running process entry points: web (gunicorn, threads), worker (RQ), scheduler."""

from __future__ import annotations

import gc
import logging
import os
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.exceptions import DuplicateJobError

from hub.bootstrap import build_services
from hub.settings import Settings

log = logging.getLogger(__name__)
SWEEP_JOB = "workers.reconciler.sweep"
ROUTING_TICK_JOB = "workers.routing.tick"  # offer timers, presence grace, SLA, live feed
FORUM_WATCH_JOB = "workers.forum.raise_unanswered"  # forum questions past their delay
FORUM_VIEWS_JOB = "workers.forum.flush_views"  # topic views counted in Redis -> database


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._app


def settle_heap() -> None:
    """Put what start-up allocated (modules, SQLAlchemy's mappers and caches, phone number
    metadata: most of a process's objects) out of the garbage collector's reach
    (``gc.freeze``). A full collection walks every tracked object: in a worker it took
    90–120 ms every 10–20 s under load, a stall of every batch in flight
    (docs/performance.md). Called once a process is ready (a gunicorn worker: after it
    loaded the app)."""
    from hub.domain.addresses import normalize_phone  # noqa: PLC0415 - loads its metadata

    normalize_phone("+33612345678", region="FR")
    gc.collect()
    gc.freeze()


def serve(settings: Settings, *, host: str, port: int, threads: int | None = None,
          hooks_only: bool = False) -> None:
    """One gunicorn process with threads: Socket.IO needs one process per port; scale by
    running more processes behind a sticky load balancer (they share Redis). A websocket
    holds one thread for as long as it is open: WEB_THREADS bounds the sockets (advisors'
    tabs) one process serves, with room left for HTTP requests. ``hooks_only`` serves the
    provider hooks alone (HOOK_THREADS threads), for the balancer's ``/hooks/`` route."""
    from hub.app import create_app, create_hooks_app  # noqa: PLC0415 - web deps only here

    app = create_hooks_app(settings) if hooks_only else create_app(settings)
    default_threads = settings.HOOK_THREADS if hooks_only else settings.WEB_THREADS
    _Gunicorn(app, {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread",
                    "threads": threads or default_threads, "timeout": 60,
                    "accesslog": "-" if settings.ACCESS_LOG else None,
                    "graceful_timeout": 5,
                    "post_worker_init": lambda _worker: settle_heap()}).run()


def work(settings: Settings, *, fork: bool = False, burst: bool = False) -> None:
    """An RQ worker. SimpleWorker (no fork per job) by default: see docs/performance.md.

    It lowers its own CPU priority by WORKER_NICE: where web and worker processes share
    a host, a backlog being worked through must not slow the webhook answers providers
    wait for (Twilio gives up after 15 s; docs/operations.md)."""
    if settings.WORKER_NICE > 0:
        os.nice(settings.WORKER_NICE)
    services = build_services(settings)
    worker_class = Worker if fork else SimpleWorker
    # A short monitoring interval lets a killed worker's job be declared abandoned (and
    # retried by the sweep) about a minute after the kill instead of several minutes.
    worker = worker_class([services.queue], connection=services.redis,
                          job_monitoring_interval=5)
    settle_heap()
    worker.work(with_scheduler=True, burst=burst, logging_level=settings.WORKER_LOG_LEVEL)


def schedule(settings: Settings, *, once: bool = False) -> None:
    """Queue the sweep job every SWEEP_INTERVAL_SECONDS (one at a time): re-queue stale events and
    deliveries, expire unanswered offers, raise forum questions past their delay, flush
    the forum's topic views. Run exactly one scheduler."""
    services = build_services(settings)
    while True:
        for func, job_id in ((SWEEP_JOB, "sweep"), (ROUTING_TICK_JOB, "routing-tick"),
                             (FORUM_WATCH_JOB, "forum-watch"),
                             (FORUM_VIEWS_JOB, "forum-views")):
            try:
                services.queue.enqueue_call(func, job_id=job_id, unique=True, result_ttl=0,
                                            failure_ttl=5, ttl=30)
            except DuplicateJobError:
                pass
            except RedisError:
                log.warning("scheduler: Redis unavailable; retrying", exc_info=True)
        if once:
            return
        time.sleep(settings.SWEEP_INTERVAL_SECONDS)
