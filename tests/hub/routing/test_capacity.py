"""Capacity per channel: one call or up to three chats, plus up to five asynchronous items;
load is offered + assigned work; closing frees the room and waiting work follows."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import Team
from hub.db import transaction
from hub.routing.models import OfferState, WorkItem, WorkState, WrapUpCode
from hub.routing.service import accept_offer
from hub.routing.strategy import Load
from tests.conftest import run_jobs
from tests.hub.routing.builders import agent, pending_offers, work


def states(session, items):
    session.expire_all()
    return [session.get(WorkItem, i.id).state for i in items]


def test_three_chats_then_the_fourth_waits(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        chats = [work(session, ctx, kind="chat", channel="webchat") for _ in range(4)]
    with services.sessions() as session:
        assert states(session, chats) == [WorkState.OFFERED] * 3 + [WorkState.QUEUED]
    assert ctx.state.load(camille.user.id) == Load(chat=3)


def test_a_call_blocks_chats_and_chats_block_a_call_but_async_work_still_comes(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        call = work(session, ctx, kind="phone", channel="twilio_voice")
        chat = work(session, ctx, kind="chat", channel="webchat")
        mails = [work(session, ctx, kind="email", channel="email") for _ in range(6)]
    with services.sessions() as session:
        assert states(session, [call, chat]) == [WorkState.OFFERED, WorkState.QUEUED]
        assert states(session, mails) == [WorkState.OFFERED] * 5 + [WorkState.QUEUED]
    assert ctx.state.load(camille.user.id) == Load(voice=1, async_=5)

    with transaction(services.sessions) as session:
        agent(session, services, "Alex", capacity={"chat": 0})
        second_call = work(session, ctx, kind="phone", channel="twilio_voice")
        a_chat = work(session, ctx, kind="chat", channel="webchat")
    with services.sessions() as session:
        # Alex takes the call; he takes no chats, Camille is on a call: the chat waits
        assert states(session, [second_call, a_chat]) == [WorkState.OFFERED, WorkState.QUEUED]


def test_accepted_work_still_counts_and_closing_frees_room_for_waiting_work(services, client):
    ctx = services.routing
    with transaction(services.sessions) as session:
        session.add(WrapUpCode(code="resolved", label="Résolu"))
        camille = agent(session, services, "Camille", capacity={"chat": 1})
        first = work(session, ctx, kind="chat", channel="webchat")
        second = work(session, ctx, kind="chat", channel="webchat")
        (offer,) = pending_offers(session, camille.user)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    assert ctx.state.load(camille.user.id) == Load(chat=1)
    with services.sessions() as session:
        assert states(session, [first, second]) == [WorkState.ASSIGNED, WorkState.QUEUED]

    closed = client.post(f"/api/v1/work-items/{first.id}/close",
                         json={"wrap_up_code": "resolved", "note": "expliqué"},
                         headers={"Authorization": f"Bearer {camille.token}"})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["state"] == "closed"
    assert ctx.state.load(camille.user.id) == Load()
    run_jobs(services)  # the freed room is offered the waiting chat
    with services.sessions() as session:
        assert states(session, [first, second]) == [WorkState.CLOSED, WorkState.OFFERED]
        item = session.get(WorkItem, first.id)
        assert (item.wrap_up_code, item.wrap_up_note) == ("resolved", "expliqué")
    assert ctx.state.load(camille.user.id) == Load(chat=1)


def test_team_capacity_is_the_default_of_its_advisors(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        team = Team(name="Courriels", capacity={"async": 2})
        session.add(team)
        session.flush()
        camille = agent(session, services, "Camille")
        camille.user.team_id = team.id
        session.flush()
        mails = [work(session, ctx, kind="email", channel="email") for _ in range(3)]
    with services.sessions() as session:
        assert states(session, mails) == [WorkState.OFFERED] * 2 + [WorkState.QUEUED]
        offered = session.scalars(select(WorkItem).where(WorkItem.state == WorkState.OFFERED))
        assert len(list(offered)) == 2
    assert ctx.state.load(camille.user.id) == Load(async_=2)


def test_declined_work_frees_the_room(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 1})
        work(session, ctx, kind="chat", channel="webchat")
        (offer,) = pending_offers(session, camille.user)
    from hub.routing.service import decline_offer

    with transaction(services.sessions) as session:
        decline_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    assert ctx.state.load(camille.user.id) == Load()
    with services.sessions() as session:
        assert session.get(type(offer), offer.id).state == OfferState.DECLINED
