"""Deliver one outbound interaction through its channel's adapter."""

from __future__ import annotations

import logging

from hub.db import transaction
from hub.domain.errors import ProviderError, UnknownChannel
from hub.replies.service import begin_attempt, fail_attempt, finish_attempt
from workers.context import services

log = logging.getLogger(__name__)


def deliver(delivery_id: int) -> None:
    svc = services()
    with transaction(svc.sessions) as session:
        attempt = begin_attempt(session, delivery_id=delivery_id, callback_url="")
    if attempt is None:
        return
    callback = svc.hook_url(attempt.channel, attempt.account)
    message = attempt.message.__class__(**{**attempt.message.__dict__,
                                           "status_callback_url": callback})
    try:
        adapter = svc.channels.adapter(attempt.channel)
        account = svc.channels.account(attempt.channel, attempt.account)
        result = adapter.send(message, account)
    except (ProviderError, UnknownChannel) as error:
        retryable = isinstance(error, ProviderError) and error.retryable
        with transaction(svc.sessions) as session:
            fail_attempt(session, delivery_id=delivery_id, reason=error.reason,
                         final=not retryable)
        log.warning("delivery %s failed (retry=%s): %s", delivery_id, retryable, error.reason)
        if retryable:
            raise
        return
    with transaction(svc.sessions) as session:
        finish_attempt(session, delivery_id=delivery_id, result=result)
