"""Retry policies of the jobs."""

from __future__ import annotations

from rq import Retry

MEDIA_RETRY = Retry(max=3, interval=[5, 30, 120])
