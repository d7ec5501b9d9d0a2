"""First-response targets: warnings and breaches raise the priority and tell supervisors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.db import transaction
from hub.events import RealtimeEvent
from hub.routing.models import RoutingRule, SlaState, WorkItem
from hub.routing.service import accept_offer
from hub.routing.sla import sla_tick
from hub.timeline.models import Interaction
from tests.hub.routing.builders import agent, customer, pending_offers, queue, work

STEP = 120  # PRIORITY_STEP_SECONDS


def sla_queue(session):
    chats = queue(session, "chats", sla_targets=[
        {"channel": "chat", "min_priority": 0, "seconds": 120},
        {"channel": "*", "min_priority": 0, "seconds": 3600},
        {"channel": "*", "min_priority": 2, "seconds": 600},
    ])
    session.add(RoutingRule(name="everything", queue_id=chats.id, conditions={}))
    session.flush()
    return chats


def tick_at(services, when):
    with transaction(services.sessions) as session:
        return sla_tick(session, step_seconds=STEP, now=when)


def test_the_target_follows_channel_and_priority(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        sla_queue(session)
        chat = work(session, ctx, kind="chat", channel="webchat")
        mail = work(session, ctx, kind="email", channel="email")
        vip_mail = work(session, ctx, kind="email", channel="email",
                        who=customer(session, "Karim", vip=True))
        assert chat.sla_due_at - chat.created_at == timedelta(seconds=120)
        assert chat.sla_warn_at - chat.created_at == timedelta(seconds=96)  # 80 %
        assert mail.sla_due_at - mail.created_at == timedelta(seconds=3600)
        assert vip_mail.sla_due_at - vip_mail.created_at == timedelta(seconds=600)
        assert {chat.sla_state, mail.sla_state} == {SlaState.RUNNING}


def test_no_target_no_clock(services):
    with transaction(services.sessions) as session:
        plain = work(session, services.routing)  # the default queue sets no target
        assert (plain.sla_state, plain.sla_due_at) == (SlaState.NONE, None)


def test_a_warning_then_a_breach_raise_the_priority_and_tell_supervisors(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        sla_queue(session)
        chat = work(session, ctx, kind="chat", channel="webchat")
        created, rank = chat.created_at, chat.rank_at
    assert tick_at(services, created + timedelta(seconds=60)) == {"met": 0, "warned": 0,
                                                                  "breached": 0}
    assert tick_at(services, created + timedelta(seconds=100))["warned"] == 1
    with services.sessions() as session:
        warned = session.get(WorkItem, chat.id)
        assert (warned.sla_state, warned.priority) == (SlaState.WARNED, 1)
        assert warned.rank_at == rank - timedelta(seconds=STEP)
    assert tick_at(services, created + timedelta(seconds=121))["breached"] == 1
    assert tick_at(services, created + timedelta(seconds=500)) == {"met": 0, "warned": 0,
                                                                   "breached": 0}
    with services.sessions() as session:
        breached = session.get(WorkItem, chat.id)
        assert (breached.sla_state, breached.priority) == (SlaState.BREACHED, 2)
        alerts = session.scalars(select(RealtimeEvent).where(
            RealtimeEvent.name.in_(["sla.warning", "sla.breached"])).order_by(
            RealtimeEvent.id)).all()
    assert [(a.name, a.room) for a in alerts] == [("sla.warning", "supervisors"),
                                                  ("sla.breached", "supervisors")]
    assert alerts[1].payload["work_item_id"] == chat.id
    assert alerts[1].payload["channel_class"] == "chat"


def test_a_reply_in_time_meets_the_target(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        sla_queue(session)
        camille = agent(session, services, "Camille", queues=[])
        chat = work(session, ctx, kind="chat", channel="webchat")
        session.add(Interaction(conversation_id=chat.conversation_id,
                                customer_id=chat.customer_id, channel="webchat",
                                direction="outbound", body="Bonjour !", status="sent",
                                author_user_id=camille.user.id))
    assert tick_at(services, chat.created_at + timedelta(seconds=10))["met"] == 1
    assert tick_at(services, chat.created_at + timedelta(seconds=200))["breached"] == 0
    with services.sessions() as session:
        met = session.get(WorkItem, chat.id)
        assert met.sla_state == SlaState.MET and met.first_response_at is not None


def test_answering_a_call_is_its_first_response(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        calls = queue(session, "calls", sla_targets=[{"channel": "voice", "seconds": 30}])
        session.add(RoutingRule(name="calls", queue_id=calls.id,
                                conditions={"channels": ["phone"]}))
        camille = agent(session, services, "Camille", queues=[calls])
        call = work(session, ctx, kind="phone", channel="twilio_voice")
        (offer,) = pending_offers(session)
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
        assert call.sla_state == SlaState.MET
    assert tick_at(services, call.created_at + timedelta(seconds=60))["breached"] == 0
