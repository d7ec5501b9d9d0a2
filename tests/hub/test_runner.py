"""`entraide worker` lowers its CPU priority by WORKER_NICE; `entraide serve` writes an
access log only with ACCESS_LOG."""

from __future__ import annotations

import os

import pytest

from hub import runner
from tests.conftest import with_settings


@pytest.mark.parametrize(("nice", "expected"), [(10, [10]), (0, [])])
def test_a_worker_lowers_its_priority_by_worker_nice(settings, monkeypatch, nice, expected):
    calls: list[int] = []
    monkeypatch.setattr(os, "nice", calls.append)
    monkeypatch.setattr(runner.SimpleWorker, "work", lambda self, **kwargs: True)
    runner.work(with_settings(settings, WORKER_NICE=nice), burst=True)
    assert calls == expected


@pytest.mark.parametrize(("flag", "expected"), [(False, None), (True, "-")])
def test_the_access_log_is_written_only_when_asked(settings, monkeypatch, flag, expected):
    """Off by default: a request line carries its query string (searched phone numbers
    and e-mail addresses)."""
    seen: dict = {}
    monkeypatch.setattr(runner._Gunicorn, "run", lambda self: seen.update(self._options))
    runner.serve(with_settings(settings, ACCESS_LOG=flag), host="127.0.0.1", port=0)
    assert seen["accesslog"] == expected
