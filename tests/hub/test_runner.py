"""`entraide worker` lowers its CPU priority by WORKER_NICE before it starts working."""

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
