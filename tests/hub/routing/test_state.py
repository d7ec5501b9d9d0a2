"""Routing state in Redis: loads by capacity class, atomic reservations, releases."""

from __future__ import annotations

import pytest

from hub.routing.presence import PresenceStatus
from hub.routing.state import Candidate, RoutingState, Wanted
from hub.routing.strategy import ASYNC, CHAT, VOICE, Capacity, Load

UNBOUNDED = Capacity(voice=1, chat=3, async_=1_000_000)


@pytest.fixture
def state(services) -> RoutingState:
    for user_id in (1, 2):
        services.presence.set_status(user_id, PresenceStatus.AVAILABLE)
    return services.routing.state


def test_loads_count_each_class_and_a_release_frees_the_item_whatever_its_class(state):
    state.pick(10, CHAT, [Candidate(1, UNBOUNDED)])
    state.pick(11, CHAT, [Candidate(1, UNBOUNDED)])
    state.pick(12, ASYNC, [Candidate(1, UNBOUNDED)])
    assert state.loads([1, 2]) == {1: Load(chat=2, async_=1), 2: Load()}
    state.release(1, 12)
    state.release(1, 10)
    assert state.load(1) == Load(chat=1)
    assert [(r.user_id, r.item_id, r.cls) for r in state.reservations()] == [(1, 11, CHAT)]


def test_a_call_blocks_chats_in_the_script_too(state):
    assert state.pick(10, VOICE, [Candidate(1, UNBOUNDED)]) == 1
    assert state.pick(11, CHAT, [Candidate(1, UNBOUNDED)]) is None
    assert state.pick_many([Candidate(1, UNBOUNDED)], [[1]], [Wanted(11, CHAT, 0)]) == {}


def test_many_held_items_cost_a_pass_nothing_and_still_count(state):
    """An advisor with hundreds of open SMS threads (the ingest bench's one socket per
    queue): the pass reads three counts, and capacity still holds at the edge."""
    items = [Wanted(item, ASYNC, 0) for item in range(1, 501)]
    placed = state.pick_many([Candidate(1, UNBOUNDED)], [[1]], items)
    assert len(placed) == 500
    assert state.load(1) == Load(async_=500)
    tight = Capacity(voice=1, chat=3, async_=502)
    more = [Wanted(item, ASYNC, 0) for item in range(501, 511)]
    assert sorted(state.pick_many([Candidate(1, tight)], [[1]], more)) == [501, 502]


def test_an_item_the_advisor_already_holds_goes_to_the_next_advisor(state):
    """Never the same item twice to one advisor, even when they were offered work least
    recently and would otherwise come first."""
    assert state.pick(7, ASYNC, [Candidate(1, UNBOUNDED)]) == 1
    state.pick(8, ASYNC, [Candidate(2, UNBOUNDED)])  # 2 is now the more recent
    both = [Candidate(1, UNBOUNDED), Candidate(2, UNBOUNDED)]
    assert state.pick_many(both, [[1, 2]], [Wanted(7, ASYNC, 0)]) == {7: 2}
    assert state.pick_many(both, [[1, 2]], [Wanted(7, ASYNC, 0, preferred=1)]) == {}
    assert state.pick(7, ASYNC, both) is None  # both hold it now
