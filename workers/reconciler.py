"""Scheduled sweeps: re-queue what Redis lost, expire unanswered offers."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from sqlalchemy import select

from hub.bootstrap import Services
from hub.db import transaction, utcnow
from hub.intake.service import INTAKE, PROCESS_JOB, PROCESS_RETRY, event_job_id, stale_event_ids
from hub.replies.models import Delivery, DeliveryState
from hub.replies.service import DELIVER_JOB, RETRY, delivery_job_id, fail_attempt
from hub.routing.service import expire_offers
from hub.timeline.models import Attachment, Interaction
from workers.context import services
from workers.media import MEDIA_JOB, media_job_id
from workers.retries import MEDIA_RETRY

log = logging.getLogger(__name__)
DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
MAX_DELIVERY_ATTEMPTS = 10


def sweep() -> dict[str, int]:
    """Run every sweep once; returns how many things each one touched."""
    svc = services()
    # Jobs of a worker that died mid-job: RQ retries them (or marks them failed, which the
    # re-queue steps below then pick up). RQ's own maintenance does it every 10 minutes.
    svc.queue.started_job_registry.cleanup()
    return {
        "events": requeue_stale_events(svc),
        "deliveries": requeue_stale_deliveries(svc),
        "offers": expire_due_offers(svc),
        "attachments": requeue_stale_attachments(svc),
    }


def expire_due_offers(svc: Services) -> int:
    """In small transactions: each one's re-offers are pushed when it commits."""
    total = 0
    for _ in range(20):
        with transaction(svc.sessions) as session:
            done = expire_offers(session, ctx=svc.routing, limit=10)
        total += done
        if done < 10:
            break
    return total


def _orphaned(svc: Services, job: Job) -> bool:
    """A job stuck in RQ's intermediate queue: a worker killed right after Redis handed it
    the job. RQ's own maintenance frees it only every 10 minutes (and not while the dead
    worker's maintenance lock lives); we use RQ's rule: seen there, unstarted, for 1 minute."""
    stuck = IntermediateQueue(svc.queue.key, connection=svc.redis)
    if job.id not in stuck.get_job_ids() or job.id in svc.queue.started_job_registry:
        return False
    if stuck.set_first_seen(job.id) or not stuck.should_be_cleaned_up(job.id):
        return False
    stuck.remove(job.id)
    return True


def requeue_stale_events(svc: Services) -> int:
    """Never-tried events wake the intake batch (unless a run is already queued); events
    that failed before get their own retry job back."""
    age = timedelta(seconds=svc.settings.SWEEP_AFTER_SECONDS)
    with svc.sessions() as session:
        fresh, retried = stale_event_ids(session, older_than=age)
    woken = len(fresh) if fresh and svc.effects.wake(INTAKE) else 0
    if woken:
        log.info("sweep wakes the intake for %d stale events", woken)
    return woken + sum(_requeue(svc, PROCESS_JOB, i, event_job_id(i), PROCESS_RETRY)
                       for i in retried)


def requeue_stale_deliveries(svc: Services) -> int:
    cutoff = utcnow() - timedelta(seconds=svc.settings.SWEEP_AFTER_SECONDS)
    with transaction(svc.sessions) as session:
        rows = list(session.scalars(
            select(Delivery).where(
                Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING]),
                Delivery.created_at < cutoff,
            ).limit(500)
        ))
        worn_out = [d.id for d in rows if d.attempts >= MAX_DELIVERY_ATTEMPTS]
        for delivery_id in worn_out:
            fail_attempt(session, delivery_id=delivery_id, reason="too many attempts",
                         final=True)
        ids = [d.id for d in rows if d.id not in worn_out]
    return sum(_requeue(svc, DELIVER_JOB, i, delivery_job_id(i), RETRY) for i in ids)


def requeue_stale_attachments(svc: Services) -> int:
    """Attachments still pending (job lost with Redis, or retries exhausted on a
    transient error) are fetched again."""
    cutoff = utcnow() - timedelta(seconds=svc.settings.SWEEP_AFTER_SECONDS)
    with svc.sessions() as session:
        ids = list(session.scalars(
            select(Attachment.id)
            .join(Interaction, Interaction.id == Attachment.interaction_id)
            .where(Attachment.state == "pending", Interaction.created_at < cutoff)
            .limit(500)
        ))
    return sum(_requeue(svc, MEDIA_JOB, i, media_job_id(i), MEDIA_RETRY) for i in ids)


def _requeue(svc: Services, func: str, arg: int, job_id: str, retry: Any) -> bool:
    """Queue the job unless it is really queued, scheduled or running already."""
    try:
        job = Job.fetch(job_id, connection=svc.redis)
    except NoSuchJobError:
        job = None
    if job is not None:
        if job.get_status(refresh=True) not in DONE and not _orphaned(svc, job):
            return False
        job.delete()
    log.info("sweep re-queues %s", job_id)
    svc.effects.enqueue(func, arg, job_id=job_id, retry=retry)
    return True
