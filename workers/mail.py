"""Mail jobs: the forum's verification links and private-case notices, queued by
``hub.forum.mail.QueuedMailer`` and retried with back-off (``MAIL_RETRY``) while the
mail server refuses or cannot be reached."""

from __future__ import annotations

from hub.forum.config import ForumConfig
from hub.forum.mail import Mail, smtp_mailer


def send_forum_mail(to: str, subject: str, body: str) -> None:
    """Raises on an SMTP or network error, so RQ retries the job."""
    smtp_mailer(ForumConfig.from_env()).deliver(Mail(to, subject, body))
