"""The worker's composition root: one set of services per worker process."""

from __future__ import annotations

from functools import lru_cache

from hub.bootstrap import Services, build_services
from hub.settings import Settings


@lru_cache(maxsize=1)
def services() -> Services:
    return build_services(Settings.from_env())
