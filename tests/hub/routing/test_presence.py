"""Presence: a closed socket turns the advisor offline after the grace period and their
offers go back to the queue; a dead web process; Redis emptied or holding a leak."""

from __future__ import annotations

import time

from sqlalchemy import select

from hub.db import transaction
from hub.events import RealtimeEvent
from hub.routing.availability import choose_status, socket_closed, socket_opened
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer
from hub.routing.strategy import Load
from hub.routing.upkeep import LEAK_SECONDS, WEB_SILENCE_SECONDS, release_leaks
from tests.conftest import run_jobs
from tests.hub.routing.builders import agent, pending_offers, work
from workers.routing import tick

GRACE = 30  # the default PRESENCE_GRACE_SECONDS


def connect(services, persona, sid: str, web: str = "web-1") -> None:
    count = services.presence.socket_opened(persona.user.id, sid, web)
    with transaction(services.sessions) as session:
        socket_opened(session, ctx=services.routing, user_id=persona.user.id, sockets=count)


def disconnect(services, persona, sid: str, web: str = "web-1") -> None:
    count = services.presence.socket_closed(persona.user.id, sid, web)
    with transaction(services.sessions) as session:
        socket_closed(session, ctx=services.routing, user_id=persona.user.id, sockets=count)


def test_a_closed_socket_turns_the_advisor_offline_after_the_grace_period(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", available=False)
        alex = agent(session, services, "Alex", available=False)
    connect(services, camille, "sid-c")
    with transaction(services.sessions) as session:
        kept = work(session, ctx)
        (offer,) = pending_offers(session, camille.user)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        offered = work(session, ctx)
        assert pending_offers(session, camille.user)[0].work_item_id == offered.id
    disconnect(services, camille, "sid-c")
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE  # in grace
    tick(now=time.time() + 1)
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE

    connect(services, alex, "sid-a")
    result = tick(now=time.time() + GRACE + 1)
    assert result["offline"] == 1
    run_jobs(services)  # workers offer her items to others
    assert services.presence.status(camille.user.id) == PresenceStatus.OFFLINE
    with services.sessions() as session:
        assert session.get(WorkItem, kept.id).state == WorkState.ASSIGNED  # accepted: hers
        states = session.execute(select(Offer.user_id, Offer.state)
                                 .where(Offer.work_item_id == offered.id)
                                 .order_by(Offer.id)).all()
        assert states == [(camille.user.id, OfferState.WITHDRAWN),
                          (alex.user.id, OfferState.PENDING)]
        withdrawn = session.scalar(select(RealtimeEvent).where(
            RealtimeEvent.name == "offer.withdrawn"))
        assert withdrawn.payload["reason"] == "offline"
    assert ctx.state.load(camille.user.id) == Load(async_=1)


def test_coming_back_within_the_grace_period_changes_nothing(services):
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", available=False)
    connect(services, camille, "sid-1")
    disconnect(services, camille, "sid-1")
    connect(services, camille, "sid-2")  # a page reload
    tick(now=time.time() + GRACE + 1)
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE


def test_one_socket_of_two_closing_is_not_leaving(services):
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", available=False)
    connect(services, camille, "tab-1")
    connect(services, camille, "tab-2")
    disconnect(services, camille, "tab-1")
    tick(now=time.time() + GRACE + 1)
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE


def test_choosing_away_gives_offers_back_and_available_takes_waiting_work(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        item = work(session, ctx)
        choose_status(session, ctx=ctx, user_id=camille.user.id, status=PresenceStatus.AWAY)
    with services.sessions() as session:
        assert session.get(WorkItem, item.id).state == WorkState.QUEUED
    assert ctx.state.load(camille.user.id) == Load()
    with transaction(services.sessions) as session:
        choose_status(session, ctx=ctx, user_id=camille.user.id,
                      status=PresenceStatus.AVAILABLE)
    run_jobs(services)
    with services.sessions() as session:
        assert session.get(WorkItem, item.id).state == WorkState.OFFERED


def test_sockets_of_a_web_process_that_stopped_are_closed(services):
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", available=False)
    services.presence.reassert("dead-web", [])
    connect(services, camille, "sid-1", web="dead-web")
    later = time.time() + WEB_SILENCE_SECONDS + 1
    tick(now=later)
    assert services.presence.socket_count(camille.user.id) == 0
    tick(now=later + GRACE + 1)
    assert services.presence.status(camille.user.id) == PresenceStatus.OFFLINE


def test_after_redis_lost_its_data_loads_come_back_from_the_database(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 2})
        first = work(session, ctx, kind="chat", channel="webchat")
        work(session, ctx, kind="chat", channel="webchat")
        (offer, _other) = pending_offers(session, camille.user)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    services.redis.flushdb()
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    assert tick()["restored"] == 2
    assert ctx.state.load(camille.user.id) == Load(chat=2)
    with transaction(services.sessions) as session:
        third = work(session, ctx, kind="chat", channel="webchat")
    with services.sessions() as session:
        assert session.get(WorkItem, third.id).state == WorkState.QUEUED  # no room
        assert session.get(WorkItem, first.id).state == WorkState.ASSIGNED


def test_a_redis_of_the_older_load_layout_is_rebuilt_not_trusted(services):
    """Before the loads by class: one hash per advisor and an unversioned epoch. After the
    upgrade the tick rebuilds the loads and drops the old hashes; the leak sweep skips
    keys it cannot read."""
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 2})
        work(session, ctx, kind="chat", channel="webchat")
    services.redis.flushdb()
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    old = f"entraide:load:{camille.user.id}"
    services.redis.hset(old, "999", "chat|1.0")
    services.redis.set("entraide:routing:epoch", "1.0")
    assert tick()["restored"] == 1
    assert ctx.state.load(camille.user.id) == Load(chat=1)
    assert not services.redis.exists(old)
    services.redis.hset(old, "999", "chat|1.0")  # written by a process not yet upgraded
    with services.sessions() as session:
        assert release_leaks(session, ctx=ctx, now=time.time() + LEAK_SECONDS + 1) == 0


def test_a_reservation_no_row_backs_is_released_after_a_while(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        work(session, ctx)
    from hub.routing.state import Candidate
    from hub.routing.strategy import Capacity

    # a process reserved room for item 999 and died before committing the offer
    assert ctx.state.pick(999, "async", [Candidate(camille.user.id, Capacity())]) \
        == camille.user.id
    assert ctx.state.load(camille.user.id) == Load(async_=2)
    with services.sessions() as session:
        assert release_leaks(session, ctx=ctx) == 0  # too young to call it a leak
        assert release_leaks(session, ctx=ctx, now=time.time() + LEAK_SECONDS + 1) == 1
    assert ctx.state.load(camille.user.id) == Load(async_=1)  # the real offer stays
