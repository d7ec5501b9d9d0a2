"""Rate limits on the forum's doors: sign-in, registration and posting. Fixed windows
counted in Redis (hub/ratelimit.py); past the limit the page answers 429 with the reason
and ``Retry-After``. When Redis cannot be reached the request is let through (and
logged): the forum must not go down with its counters."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

from hub import ratelimit
from hub.forum.config import ForumConfig


def N_(message: str) -> str:  # noqa: N802 - the gettext marker babel extracts
    return message


@dataclass(frozen=True)
class Limit:
    action: str
    count: int
    seconds: int
    reason: str  # an English msgid the pages translate


def limits(config: ForumConfig) -> dict[str, Limit]:
    return {
        "sign_in": Limit("sign_in", config.FORUM_SIGN_IN_LIMIT, 600,
                         N_("Too many sign-in attempts. Try again in a few minutes.")),
        "register": Limit("register", config.FORUM_REGISTER_LIMIT, 3600,
                          N_("Too many accounts created from here. Try again later.")),
        "post": Limit("post", config.FORUM_POST_LIMIT, 600,
                      N_("You are posting too fast. Wait a few minutes before posting "
                         "again.")),
    }


def allow(redis: Redis, limit: Limit, *subjects: str) -> int:
    """Count one attempt for each subject (an IP, an email, a member); 0 when every one
    is within the limit, else the seconds to wait."""
    return ratelimit.hit(redis, scope=f"forum:{limit.action}", subjects=subjects,
                         count=limit.count, seconds=limit.seconds)
