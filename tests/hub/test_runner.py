"""`entraide worker` lowers its CPU priority by WORKER_NICE; `entraide serve` writes an
access log only with ACCESS_LOG; both put their start-up heap out of the collector's
reach once they are ready."""

from __future__ import annotations

import os

import pytest

from hub import runner
from tests.conftest import with_settings


@pytest.fixture(autouse=True)
def freezes(monkeypatch) -> list[bool]:
    """gc.freeze recorded, not done: this test process must keep collecting."""
    calls: list[bool] = []
    monkeypatch.setattr(runner.gc, "freeze", lambda: calls.append(True))
    return calls


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


def test_a_worker_settles_its_heap_before_it_takes_jobs(settings, monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(runner.gc, "freeze", lambda: order.append("freeze"))
    monkeypatch.setattr(runner.SimpleWorker, "work", lambda self, **kwargs: order.append("work"))
    runner.work(with_settings(settings, WORKER_NICE=0), burst=True)
    assert order == ["freeze", "work"]


def test_a_web_worker_settles_its_heap_once_it_loaded_the_app(settings, monkeypatch, freezes):
    seen: dict = {}
    monkeypatch.setattr(runner._Gunicorn, "run", lambda self: seen.update(self._options))
    runner.serve(settings, host="127.0.0.1", port=0)
    assert freezes == []
    seen["post_worker_init"](object())  # gunicorn calls it with the worker
    assert freezes == [True]
