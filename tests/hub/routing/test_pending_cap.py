"""MAX_PENDING_OFFERS: an advisor gets at most that many unanswered offers at once, so a
routing pass does not push their whole capacity in one burst; the next offer comes when
they answer (issue #4: offer latency under load)."""

from __future__ import annotations

import dataclasses
from collections import Counter

from sqlalchemy import select

from hub.db import transaction
from hub.routing.batch import route_batch
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer
from tests.conftest import run_jobs
from tests.hub.routing.builders import agent, work
from workers import context as worker_context


def capped(services, cap: int):
    return dataclasses.replace(services.routing, max_pending_offers=cap)


def pending_of(services, user_id: int) -> list[Offer]:
    with services.sessions() as session:
        return list(session.scalars(select(Offer).where(
            Offer.user_id == user_id, Offer.state == OfferState.PENDING).order_by(Offer.id)))


def test_a_pass_gives_an_advisor_no_more_than_the_cap(services):
    ctx = capped(services, 1)
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 3, "async": 5},
                        available=False)
        alex = agent(session, services, "Alex", capacity={"chat": 3}, available=False)
        for _ in range(6):
            work(session, ctx, kind="chat", channel="webchat")
    for persona in (camille, alex):
        services.presence.set_status(persona.user.id, PresenceStatus.AVAILABLE)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 2  # one each, though both have room for 3
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 0  # nothing answered yet: nothing more
    assert len(pending_of(services, camille.user.id)) == 1
    assert len(pending_of(services, alex.user.id)) == 1


def test_without_a_cap_a_pass_fills_the_capacity(services):
    ctx = capped(services, 0)
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 3}, available=False)
        for _ in range(4):
            work(session, ctx, kind="chat", channel="webchat")
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 3


def test_accepting_brings_the_next_offer(services, monkeypatch):
    monkeypatch.setenv("MAX_PENDING_OFFERS", "2")
    worker_context.services.cache_clear()
    ctx = capped(services, 2)
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 3, "async": 0},
                        available=False)
        chats = [work(session, ctx, kind="chat", channel="webchat") for _ in range(3)]
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 2
    first = pending_of(services, camille.user.id)[0]
    with transaction(services.sessions) as session:
        accept_offer(session, ctx=ctx, offer_id=first.id, user=camille.user)
    run_jobs(services)  # the accept asked for a routing pass: the third chat comes
    with services.sessions() as session:
        states = {i.id: session.get(WorkItem, i.id).state for i in chats}
    assert sorted(states.values()) == sorted([WorkState.ASSIGNED, WorkState.OFFERED,
                                              WorkState.OFFERED])
    assert len(pending_of(services, camille.user.id)) == 2


def test_auto_accepted_items_count_against_the_cap_within_one_routing_job(services):
    ctx = capped(services, 1)
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille",
                        capacity={"chat": 3, "auto_accept": ["chat"]}, available=False)
        for _ in range(3):
            work(session, ctx, kind="chat", channel="webchat")
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    given: Counter[int] = Counter()
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx, given=given) == 1
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx, given=given) == 0  # same job: capped
    assert given == {camille.user.id: 1}
    with transaction(services.sessions) as session:  # a later job: the next one
        assert route_batch(session, ctx=ctx, given=Counter()) == 1
