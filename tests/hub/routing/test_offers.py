"""Offers: the best advisor, continuity, accept and decline, expiry and misses,
auto-accept, and who gets the waiting work first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub.db import transaction, utcnow
from hub.domain.errors import NotAllowed
from hub.events import RealtimeEvent
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.service import (
    accept_offer,
    decline_offer,
    dispatch_waiting,
    expire_offers,
)
from hub.routing.strategy import Load
from tests.conftest import run_jobs
from tests.hub.routing.builders import agent, customer, pending_offers, queue, work


def offered_to(session, item) -> int | None:
    return session.scalar(select(Offer.user_id).where(Offer.work_item_id == item.id,
                                                      Offer.state == OfferState.PENDING))


def expire_all(services) -> int:
    with transaction(services.sessions) as session:
        session.execute(update(Offer).where(Offer.state == OfferState.PENDING)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    with transaction(services.sessions) as session:
        return expire_offers(session, ctx=services.routing)


def test_only_skilled_available_advisors_who_speak_the_language_get_offers(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        billing = queue(session, "billing", required_skills={"billing": 3},
                        languages=["fr", "en"])
        from hub.routing.models import RoutingRule

        session.add(RoutingRule(name="all", queue_id=billing.id, conditions={}))
        agent(session, services, "Junior", queues=[billing], skills={"billing": 1})
        agent(session, services, "Away", queues=[billing], skills={"billing": 5},
              available=False)
        agent(session, services, "Anglo", queues=[billing], skills={"billing": 4},
              languages=["en"])
        expert = agent(session, services, "Expert", queues=[billing], skills={"billing": 3},
                       languages=["fr"])
        item = work(session, ctx, who=customer(session, language="fr"))
        assert offered_to(session, item) == expert.user.id


def test_the_advisor_offered_work_least_recently_goes_first(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        alex = agent(session, services, "Alex")
        first = work(session, ctx)
        second = work(session, ctx)
        third = work(session, ctx)
        who = [offered_to(session, i) for i in (first, second, third)]
    assert who[0] != who[1] and who[2] == who[0]
    assert set(who) == {camille.user.id, alex.user.id}


def test_continuity_the_advisor_who_last_served_the_customer_comes_first(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        alex = agent(session, services, "Alex")
        lea = customer(session)
        first = work(session, ctx, who=lea)
        served_by = offered_to(session, first)
        offer = pending_offers(session)[0]
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=session.get(
            type(camille.user), served_by))
        work(session, ctx)  # someone else's work goes to the other advisor…
        again = work(session, ctx, who=lea, kind="email", channel="email")
        assert offered_to(session, again) == served_by  # …Léa goes back to hers
    assert {camille.user.id, alex.user.id} >= {served_by}


def test_decline_goes_to_the_next_advisor_and_never_back(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        alex = agent(session, services, "Alex")
        item = work(session, ctx)
        first = offered_to(session, item)
        other = ({camille.user.id, alex.user.id} - {first}).pop()
        offer = pending_offers(session)[0]
    with transaction(services.sessions) as session:
        from hub.auth.models import User

        decline_offer(session, ctx=ctx, offer_id=offer.id, user=session.get(User, first))
    run_jobs(services)  # a worker offers the declined item to the next advisor
    with transaction(services.sessions) as session:
        assert offered_to(session, item) == other
        second = pending_offers(session)[0]
        decline_offer(session, ctx=ctx, offer_id=second.id, user=session.get(User, other))
    run_jobs(services)
    with services.sessions() as session:
        assert session.get(WorkItem, item.id).state == WorkState.QUEUED
        assert offered_to(session, item) is None
    assert ctx.state.load(first) == Load() and ctx.state.load(other) == Load()


def test_an_unanswered_offer_expires_to_the_next_and_two_misses_mean_away(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"async": 1})
        first = work(session, ctx)
    assert expire_all(services) == 1
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE  # one miss
    with transaction(services.sessions) as session:
        second = work(session, ctx)
        assert offered_to(session, second) == camille.user.id
        assert offered_to(session, first) is None  # she let it expire: not asked again
    assert expire_all(services) == 1
    assert services.presence.status(camille.user.id) == PresenceStatus.AWAY
    with services.sessions() as session:
        changed = session.scalars(select(RealtimeEvent).where(
            RealtimeEvent.name == "presence.changed")).all()
        assert [(e.room, e.payload["status"], e.payload["reason"]) for e in changed] == [
            (f"user:{camille.user.id}", "away", "missed_offers")]
    assert ctx.state.load(camille.user.id) == Load()


def test_an_accepted_offer_between_two_misses_resets_the_count(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        work(session, ctx)
    expire_all(services)
    with transaction(services.sessions) as session:
        work(session, ctx)
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        work(session, ctx)
    expire_all(services)
    assert services.presence.status(camille.user.id) == PresenceStatus.AVAILABLE


def test_auto_accept_per_channel_class(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"auto_accept": ["async"]})
        mail = work(session, ctx, kind="email", channel="email")
        chat = work(session, ctx, kind="chat", channel="webchat")
    with services.sessions() as session:
        mail_now = session.get(WorkItem, mail.id)
        assert (mail_now.state, mail_now.assigned_user_id) == (WorkState.ASSIGNED,
                                                               camille.user.id)
        assert session.get(WorkItem, chat.id).state == WorkState.OFFERED
        offer = session.scalar(select(Offer).where(Offer.work_item_id == mail.id))
        assert (offer.state, offer.auto_accepted) == (OfferState.ACCEPTED, True)
        names = session.scalars(select(RealtimeEvent.name).order_by(RealtimeEvent.id)).all()
        assert names[:2] == ["offer.created", "offer.created"]  # the card says assigned
        assert "offer.accepted" not in names
    assert ctx.state.load(camille.user.id) == Load(chat=1, async_=1)


def test_vip_and_calls_are_offered_before_older_ordinary_work(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", available=False,
                        capacity={"voice": 1, "chat": 0, "async": 1})
        plain = work(session, ctx, text="ordinaire")
        vip = work(session, ctx, text="vip", who=customer(session, "Karim", vip=True))
        call = work(session, ctx, kind="phone", channel="twilio_voice")
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    with transaction(services.sessions) as session:
        assert dispatch_waiting(session, ctx=ctx, user_id=camille.user.id) == 2
    with services.sessions() as session:
        got = {i.id: session.get(WorkItem, i.id).state for i in (plain, vip, call)}
    assert got == {plain.id: WorkState.QUEUED, vip.id: WorkState.OFFERED,
                   call.id: WorkState.OFFERED}


def test_an_offer_can_be_answered_only_once_and_only_by_its_advisor(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        alex = agent(session, services, "Alex", available=False)
        work(session, ctx)
        (offer,) = pending_offers(session)
    with pytest.raises(NotAllowed, match="no such offer for this advisor"), \
            transaction(services.sessions) as session:
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=alex.user)
    with transaction(services.sessions) as session:
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    with pytest.raises(NotAllowed, match="no longer pending"), \
            transaction(services.sessions) as session:
        decline_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    assert ctx.state.load(camille.user.id) == Load(async_=1)
