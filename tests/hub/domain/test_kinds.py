"""Delivery status only moves forward: late or repeated callbacks change nothing."""

from __future__ import annotations

import itertools

import pytest

from hub.domain.kinds import DeliveryStatus as S

LIFECYCLE = [S.QUEUED, S.SENDING, S.SENT, S.DELIVERED, S.READ]


@pytest.mark.parametrize(("current", "new"), list(itertools.combinations(LIFECYCLE, 2)))
def test_each_later_step_of_the_lifecycle_advances(current, new):
    assert new.advances(current)
    assert not current.advances(new)


@pytest.mark.parametrize(
    ("current", "late"),
    [
        (S.DELIVERED, S.SENT),
        (S.DELIVERED, S.QUEUED),
        (S.SENT, S.SENDING),
        (S.READ, S.DELIVERED),
        (S.SENDING, S.QUEUED),
        (S.DELIVERED, S.UNDELIVERED),
        (S.UNDELIVERED, S.SENT),
        (S.FAILED, S.SENT),
        (S.FAILED, S.QUEUED),
    ],
)
def test_a_late_callback_is_refused(current, late):
    assert not late.advances(current)


def test_read_after_delivered_is_accepted():
    assert S.READ.advances(S.DELIVERED)


def test_the_same_status_twice_is_not_progress():
    for status in S:
        assert not status.advances(status)


def test_anything_is_progress_from_nothing():
    for status in S:
        assert status.advances(None)


def test_no_pair_of_statuses_can_move_both_ways():
    for a, b in itertools.permutations(S, 2):
        assert not (a.advances(b) and b.advances(a)), (a, b)


def test_every_status_has_a_rank():
    assert {status: status.rank for status in S}.keys() == set(S)
