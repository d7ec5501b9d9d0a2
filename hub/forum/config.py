"""The forum's own knobs, read once from the environment (``FORUM_*``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from hub.forum.masking import DEFAULT_ACCOUNT_PATTERN


@dataclass(frozen=True)
class ForumConfig:
    # A regular expression for customer account numbers, masked in posts like phones.
    FORUM_ACCOUNT_NUMBER_PATTERN: str = DEFAULT_ACCOUNT_PATTERN
    # Office hours (Europe/Paris): a reply outside them earns the "night owl" badge.
    FORUM_TIMEZONE: str = "Europe/Paris"
    FORUM_OFFICE_OPENS: int = 8
    FORUM_OFFICE_CLOSES: int = 20
    FORUM_TOPICS_PER_PAGE: int = 20
    FORUM_POSTS_PER_PAGE: int = 50
    FORUM_VERIFY_MAX_AGE: int = 3 * 86400
    # A question the community has not answered within this delay becomes a forum work
    # item (hub/forum/watch.py, desk.py): shorter for VIP customers, longer when asked
    # outside office hours. Read when the question is asked: its due time is stored.
    FORUM_BRAND_DELAY_SECONDS: int = 4 * 3600
    FORUM_VIP_DELAY_SECONDS: int = 3600
    FORUM_NIGHT_DELAY_SECONDS: int = 10 * 3600
    # Rate limits (hub/forum/limits.py): sign-in attempts per IP and per email in 10
    # minutes, registrations per IP in an hour, posts (questions, replies) per member in
    # 10 minutes.
    FORUM_SIGN_IN_LIMIT: int = 10
    FORUM_REGISTER_LIMIT: int = 5
    FORUM_POST_LIMIT: int = 20
    # Mail (hub/forum/mail.py): "log" keeps and logs mails (development), "smtp" sends
    # them through FORUM_SMTP_HOST:FORUM_SMTP_PORT.
    FORUM_MAILER: str = "log"
    FORUM_SMTP_HOST: str = "127.0.0.1"
    FORUM_SMTP_PORT: int = 25
    FORUM_SMTP_FROM: str = "forum@entraide.invalid"
    FORUM_SMTP_STARTTLS: int = 0
    FORUM_SMTP_USER: str = ""
    FORUM_SMTP_PASSWORD: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ForumConfig:
        source = os.environ if env is None else env
        values: dict[str, object] = {}
        for spec in fields(cls):
            if spec.name in source:
                raw = source[spec.name]
                values[spec.name] = int(raw) if spec.type == "int" else raw
        return cls(**values)  # type: ignore[arg-type]
