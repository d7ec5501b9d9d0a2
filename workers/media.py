"""Fetch an inbound attachment from its provider into the hub's file store."""

from __future__ import annotations

import hashlib

from hub.db import transaction
from hub.domain.errors import ProviderError
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
    account = svc.channels.account(channel, account_key)
    try:
        content = adapter.fetch_media(url, account, svc.settings.MAX_ATTACHMENT_BYTES)
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
