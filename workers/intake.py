"""Process stored inbound events: parse, resolve the customer, record, route.

``process_batch`` is the usual path: woken after a stored event (coalesced: one lead run
at a time, which takes what is stored while it works), it claims pending events in
batches and records each batch in one transaction; ``help_batch`` works beside it while
a backlog lasts. If a batch fails, it is rolled back and its events are processed one by one
(``process_event``'s path), so one bad event never holds back the others. An event that
failed once is retried by its own job ``event-<id>`` (``PROCESS_RETRY``) and the sweep.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from rq.timeouts import JobTimeoutException
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bootstrap import Services
from hub.customers.identity import sender_address
from hub.customers.service import identity_key, resolve_identities
from hub.db import enqueue_after_commit, transaction, utcnow, wake_key
from hub.domain.addresses import Address
from hub.domain.errors import BadPayload, UnknownChannel
from hub.domain.messages import InboundItem
from hub.intake.models import EventState, InboundEvent
from hub.intake.service import (
    HELP,
    INTAKE,
    PROCESS_JOB,
    PROCESS_RETRY,
    claim_pending,
    claims_in_turn,
    event_job_id,
    has_unclaimed,
    lock_threads,
    mark_processed,
    raw_request_of,
)
from hub.replies.service import apply_delivery_update
from hub.routing.service import submit_arrivals
from hub.timeline.service import Opening, open_conversations, record_inbounds
from workers.context import services
from workers.media import MEDIA_JOB, media_job_id
from workers.retries import MEDIA_RETRY

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
RUN_BUDGET_SECONDS = 10.0  # then the run wakes a successor and ends (JOB_TIMEOUT is 30 s)
LEAD_HOLD_SECONDS = 5  # the lead run's hold on the wake key, renewed at each batch


class StatusForUnknownMessage(Exception):
    """A status callback raced ahead of the send's commit: retry later."""


class Item(NamedTuple):
    item: InboundItem
    sender: Address
    thread: str  # the conversation's thread key


@dataclass
class Parsed:
    """An event parsed before anything is written: its items and their threads."""

    event: InboundEvent
    items: list[Item] = field(default_factory=list)
    rejected: str = ""

    def thread_keys(self) -> list[str]:
        event = self.event
        return [f"{event.channel}\x1f{event.account}\x1f{i.thread}" for i in self.items]


# --- the batch path -------------------------------------------------------------------------


def process_batch() -> int:
    """The intake's lead run: claim and record pending events until none is left; returns
    how many events this run applied (recorded, or rejected for a bad payload).

    One lead run at a time: it holds the wake key (``wake_key(INTAKE)``) while it works,
    so the webhooks stored meanwhile wake nobody and its next claim takes them. Under light
    traffic that keeps batches from shrinking to one or two events, each paying a batch's
    fixed cost (about thirty statements with its routing pass and offer cards): two
    workers claiming as soon as anything was stored kept both cores busy at 100 events/s.
    ``INTAKE_LINGER_MS`` (default 0) makes it wait after a short claim, for larger batches
    still. A full claim means a backlog: a helper run (``help_batch``) works beside it."""
    svc = services()
    size = max(1, svc.settings.INTAKE_BATCH_SIZE)
    linger = max(0, svc.settings.INTAKE_LINGER_MS) / 1000
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    total = 0
    try:
        while True:
            _hold(svc)
            claimed, applied = _one_batch(svc, size)
            total += applied
            if time.monotonic() > deadline:
                _hand_over(svc)  # a successor run goes on
                return total
            if claimed == size:
                svc.effects.wake(HELP)
            elif claimed == 0:
                if not _still_needed(svc):
                    return total
            elif linger:
                time.sleep(linger)
    except BaseException:
        _let_go(svc)  # the next webhook wakes a new run
        raise


def help_batch() -> int:
    """A helper of the lead run while a backlog lasts: claims full batches beside it and
    stops at the first short claim (the lead run takes what is left)."""
    svc = services()
    try:
        svc.redis.delete(wake_key(HELP))  # before claiming: a later full claim wakes another
    except RedisError:
        log.warning("intake: Redis unavailable; helping anyway", exc_info=True)
    size = max(1, svc.settings.INTAKE_BATCH_SIZE)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    total = 0
    while time.monotonic() < deadline:
        claimed, applied = _one_batch(svc, size)
        total += applied
        if claimed < size:
            break
    return total


def _hold(svc: Services) -> None:
    """Keep the wake key while this lead run works (a short expiry: if the worker dies,
    webhooks wake a new run within seconds)."""
    try:
        svc.redis.set(wake_key(INTAKE), "running", ex=LEAD_HOLD_SECONDS)
    except RedisError:
        log.warning("intake: Redis unavailable; claiming anyway", exc_info=True)


def _still_needed(svc: Services) -> bool:
    """Nothing was left to claim: let the wake key go, then look once more. An event
    stored before the key went was committed before its webhook tried to wake us (and
    found the key), so the look sees it and this run takes the key back; one stored after
    wakes a new run (which then holds the key: this one stops)."""
    try:
        svc.redis.delete(wake_key(INTAKE))
    except RedisError:
        log.warning("intake: Redis unavailable; the sweep wakes the intake", exc_info=True)
        return False
    with svc.sessions() as session:
        if not has_unclaimed(session):
            return False
    try:
        return bool(svc.redis.set(wake_key(INTAKE), "running", nx=True,
                                  ex=LEAD_HOLD_SECONDS))
    except RedisError:
        return False


def _hand_over(svc: Services) -> None:
    _let_go(svc)
    svc.effects.wake(INTAKE)


def _let_go(svc: Services) -> None:
    try:
        svc.redis.delete(wake_key(INTAKE))
    except RedisError:
        log.warning("intake: Redis unavailable; the key expires by itself", exc_info=True)


def _one_batch(svc: Services, size: int) -> tuple[int, int]:
    """One transaction: (events claimed, events applied)."""
    claimed: list[int] = []
    try:
        with transaction(svc.sessions) as session:
            with claims_in_turn(session):
                batch = [_parse(svc, event) for event in claim_pending(session, limit=size)]
                claimed = [parsed.event.id for parsed in batch]
                lock_threads(session, [key for parsed in batch for key in parsed.thread_keys()])
            _apply(session, svc, batch)
    except JobTimeoutException:
        raise
    except Exception:
        if not claimed:
            raise
        log.warning("intake batch of %d failed; processing it event by event", len(claimed),
                    exc_info=True)
        return len(claimed), sum(_process_alone(svc, event_id) for event_id in claimed)
    return len(claimed), len(claimed)


def _process_alone(svc: Services, event_id: int) -> bool:
    """One event of a failed batch, in its own transaction (another batch may have taken
    it meanwhile); a failure is recorded on the event and its own retry job scheduled."""
    try:
        with transaction(svc.sessions) as session:
            return _process(session, svc, event_id)
    except Exception as error:  # noqa: BLE001 - recorded on the event, retried by its job
        _record_failure(svc, event_id, error)
        _schedule_retry(svc, event_id)
        return False


def _schedule_retry(svc: Services, event_id: int) -> None:
    first = timedelta(seconds=PROCESS_RETRY.intervals[0])
    try:
        svc.queue.enqueue_in(first, PROCESS_JOB, event_id, job_id=event_job_id(event_id),
                             retry=PROCESS_RETRY, failure_ttl=7 * 86400, unique=True)
    except DuplicateJobError:
        pass
    except RedisError:
        log.warning("could not schedule %s; the sweep will", event_job_id(event_id))


# --- one event (retries, the sweep's re-queues) ---------------------------------------------


def process_event(event_id: int) -> None:
    svc = services()
    try:
        with transaction(svc.sessions) as session:
            _process(session, svc, event_id)
    except Exception as error:
        _record_failure(svc, event_id, error)
        raise


def _process(session: Session, svc: Services, event_id: int) -> bool:
    event = session.scalar(
        select(InboundEvent).where(InboundEvent.id == event_id).with_for_update()
    )
    if event is None or event.state != EventState.PENDING:
        return False
    parsed = _parse(svc, event)
    lock_threads(session, parsed.thread_keys())
    _apply(session, svc, [parsed])
    return True


# --- shared steps ---------------------------------------------------------------------------


def _parse(svc: Services, event: InboundEvent) -> Parsed:
    """Pure: the event's items and the thread each one goes to; a bad payload is kept as
    the reason to reject it. Status callbacks are parsed when applied."""
    parsed = Parsed(event)
    if event.is_status:
        return parsed
    try:
        adapter = svc.channels.adapter(event.channel)
        account = svc.channels.account(event.channel, event.account)
        for item in adapter.parse(raw_request_of(event), account):
            sender = sender_address(item, region=svc.settings.DEFAULT_REGION)
            thread = sender.value if item.thread_key == item.sender_address else item.thread_key
            parsed.items.append(Item(item, sender, thread))
    except (BadPayload, UnknownChannel) as error:
        parsed.rejected = error.reason
    return parsed


def _apply(session: Session, svc: Services, batch: list[Parsed]) -> None:
    """Apply the events in id order: reject bad payloads, apply status callbacks, then
    record every message of the batch set-wise (``_record``) and route each item."""
    messages: list[Parsed] = []
    for parsed in batch:
        event = parsed.event
        try:
            if parsed.rejected:
                raise BadPayload(parsed.rejected)
            if not event.is_status:
                messages.append(parsed)
                continue
            _apply_statuses(session, svc, event)
        except (BadPayload, UnknownChannel) as error:
            _reject(event, error.reason)
            continue
        mark_processed(event)
    if not messages:
        return
    try:
        _record(session, svc, messages)
    except (BadPayload, UnknownChannel) as error:
        if len(messages) > 1:
            raise  # whose? The batch is replayed event by event, which tells.
        _reject(messages[0].event, error.reason)
        return
    for parsed in messages:
        mark_processed(parsed.event)


def _reject(event: InboundEvent, reason: str) -> None:
    log.warning("event %s rejected: %s", event.id, reason)
    event.state = EventState.FAILED
    event.error = reason


def _record(session: Session, svc: Services, messages: list[Parsed]) -> None:
    """Every item of ``messages`` on the timeline in a few set-wise statements (identities
    and customers, conversations, interactions and attachments: about six for the whole
    batch, not per item), then the new interactions are routed together
    (``submit_arrivals``: one batch routing pass for the new work items)."""
    entries = [(parsed.event, entry) for parsed in messages for entry in parsed.items]
    if not entries:
        return
    identities = resolve_identities(
        session, [(entry.sender, entry.item.sender_name) for _event, entry in entries]
    )
    now = utcnow()  # one time for the items the provider does not date
    openings = [
        Opening(identity=identities[identity_key(entry.sender)], channel=event.channel,
                account=event.account, thread_key=entry.thread, subject=entry.item.subject,
                at=entry.item.occurred_at or now)
        for event, entry in entries
    ]
    conversations = open_conversations(session, openings)
    threads = [conversations[opening.key] for opening in openings]
    interactions = record_inbounds(
        session, [(conversation, entry.item)
                  for conversation, (_event, entry) in zip(threads, entries, strict=True)],
        now=now,
    )
    arrivals = []
    for conversation, interaction in zip(threads, interactions, strict=True):
        if interaction is None:
            continue
        for attachment in interaction.attachments:
            enqueue_after_commit(session, MEDIA_JOB, attachment.id,
                                 job_id=media_job_id(attachment.id), retry=MEDIA_RETRY)
        arrivals.append((conversation, interaction))
    submit_arrivals(session, ctx=svc.routing, arrivals=arrivals)


def _apply_statuses(session: Session, svc: Services, event: InboundEvent) -> None:
    adapter = svc.channels.adapter(event.channel)
    account = svc.channels.account(event.channel, event.account)
    for update in adapter.parse_status(raw_request_of(event), account):
        if not apply_delivery_update(session, channel=event.channel, update=update):
            raise StatusForUnknownMessage(f"no message {update.provider_id} yet")


def _record_failure(svc: Services, event_id: int, error: Exception) -> None:
    with transaction(svc.sessions) as session:
        event = session.get(InboundEvent, event_id)
        if event is None or event.state != EventState.PENDING:
            return
        event.attempts += 1
        event.error = f"{type(error).__name__}: {error}"[:2000]
        if event.attempts >= MAX_ATTEMPTS:
            event.state = EventState.FAILED
            log.error("event %s failed for good: %s", event_id, event.error)
