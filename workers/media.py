"""Fetch an inbound attachment from its provider into the hub's file store."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import transaction
from hub.domain.errors import ProviderError
from hub.domain.messages import RawRequest
from hub.domain.ports import EmbeddedMedia
from hub.intake.models import InboundEvent
from hub.intake.service import raw_request_of
from hub.timeline.models import Attachment, Interaction
from workers.context import services

MEDIA_JOB = "workers.media.fetch_attachment"


def media_job_id(attachment_id: int) -> str:
    return f"media-{attachment_id}"


def fetch_attachment(attachment_id: int) -> None:
    svc = services()
    with transaction(svc.sessions) as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.state == "stored":
            return
        interaction = session.get(Interaction, attachment.interaction_id)
        assert interaction is not None
        channel, account_key = interaction.channel, interaction.conversation.account
        url = attachment.source_url
        adapter = svc.channels.adapter(channel)
        stored = (_stored_request(session, channel, account_key, interaction.provider_id)
                  if isinstance(adapter, EmbeddedMedia) else None)
    account = svc.channels.account(channel, account_key)
    limit = svc.settings.MAX_ATTACHMENT_BYTES
    try:
        if isinstance(adapter, EmbeddedMedia):
            if stored is None:
                raise ProviderError("the stored message is gone", retryable=False)
            content = adapter.embedded_media(stored, url, limit)
        else:
            content = adapter.fetch_media(url, account, limit)
    except ProviderError as error:
        with transaction(svc.sessions) as session:
            row = session.get(Attachment, attachment_id)
            assert row is not None
            row.error = error.reason
            row.state = "pending" if error.retryable else "failed"
        if error.retryable:
            raise
        return
    key = f"{attachment_id}-{hashlib.sha256(content).hexdigest()[:32]}"
    folder = svc.settings.data_path / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(content)
    with transaction(svc.sessions) as session:
        row = session.get(Attachment, attachment_id)
        assert row is not None
        row.storage_key, row.size, row.state, row.error = key, len(content), "stored", ""


def _stored_request(session: Session, channel: str, account: str,
                    provider_id: str | None) -> RawRequest | None:
    """The provider's request as stored at intake: the attachments of an email are in it."""
    event = session.scalar(select(InboundEvent).where(
        InboundEvent.channel == channel, InboundEvent.account == account,
        InboundEvent.external_id == (provider_id or "")))
    return raw_request_of(event) if event is not None else None
