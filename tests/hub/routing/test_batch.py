"""Batch routing: one pass gives many waiting items to many free advisors, with the rules
of one-by-one routing (capacity profiles, priority and aging, continuity, skills and
languages, refusals, auto-accept) and without ever giving an item twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hub.auth.models import User
from hub.bootstrap import build_services
from hub.customers.models import Customer
from hub.db import transaction, utcnow
from hub.events import RealtimeEvent
from hub.migrate import upgrade
from hub.routing.batch import route_batch
from hub.routing.models import Offer, OfferState, RoutingRule, WorkItem, WorkState
from hub.routing.presence import PresenceStatus
from hub.routing.service import accept_offer, decline_offer
from hub.routing.strategy import Load
from hub.seed import seed_demo
from tests.conftest import run_jobs, with_settings
from tests.hub.routing.builders import agent, customer, queue, work


def offered_to(session) -> dict[int, int]:
    """item id -> advisor, for every offer not refused."""
    session.expire_all()
    rows = session.execute(select(Offer.work_item_id, Offer.user_id)
                           .where(Offer.state.in_([OfferState.PENDING, OfferState.ACCEPTED])))
    return dict(rows.all())


def available(services, *personas) -> None:
    for persona in personas:
        services.presence.set_status(persona.user.id, PresenceStatus.AVAILABLE)


def test_a_pass_fills_every_capacity_profile_and_leaves_the_rest_waiting(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"voice": 0, "chat": 2, "async": 1},
                        available=False)
        alex = agent(session, services, "Alex", capacity={"voice": 1, "chat": 0, "async": 0},
                     available=False)
        chats = [work(session, ctx, kind="chat", channel="webchat") for _ in range(3)]
        mails = [work(session, ctx, kind="email", channel="email") for _ in range(2)]
        calls = [work(session, ctx, kind="phone", channel="twilio_voice") for _ in range(2)]
    available(services, camille, alex)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 4
    with services.sessions() as session:
        given = offered_to(session)
    assert sorted(given) == sorted([chats[0].id, chats[1].id, mails[0].id, calls[0].id])
    assert {given[chats[0].id], given[chats[1].id], given[mails[0].id]} == {camille.user.id}
    assert given[calls[0].id] == alex.user.id
    assert ctx.state.load(camille.user.id) == Load(chat=2, async_=1)
    assert ctx.state.load(alex.user.id) == Load(voice=1)
    with transaction(services.sessions) as session:  # nobody has room left
        assert route_batch(session, ctx=ctx) == 0


def test_best_ranked_first_with_aging_so_nothing_starves(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"async": 1}, available=False)
        old = work(session, ctx, kind="email", channel="email", text="ancien")
        vip = work(session, ctx, kind="email", channel="email",
                   who=customer(session, "Iris", vip=True))
        plain = work(session, ctx, kind="email", channel="email", text="récent")
        # the plain email has waited for hours: aging puts it before the VIP's
        session.execute(update(WorkItem).where(WorkItem.id == old.id)
                        .values(rank_at=utcnow() - timedelta(hours=5)))
    available(services, camille)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 1
    with services.sessions() as session:
        assert list(offered_to(session)) == [old.id]
        accept_offer(session, ctx=ctx, offer_id=session.scalar(select(Offer.id)),
                     user=camille.user)
        session.commit()
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    ctx.state.release(camille.user.id, old.id)  # as closing it would
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 1
    with services.sessions() as session:
        assert vip.id in offered_to(session) and plain.id not in offered_to(session)


def test_continuity_beats_least_recently_offered(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        lea = customer(session, "Léa Dubois")
        camille = agent(session, services, "Camille", available=False)
        alex = agent(session, services, "Alex")
        first = work(session, ctx, kind="email", channel="email", who=lea)
        (offer,) = session.scalars(select(Offer)).all()
        assert offer.user_id == alex.user.id
        accept_offer(session, ctx=ctx, offer_id=offer.id, user=alex.user)
        services.presence.set_status(alex.user.id, PresenceStatus.AWAY)
        again = work(session, ctx, kind="email", channel="email", who=lea)
        other = work(session, ctx, kind="email", channel="email")
    assert first.id < again.id
    available(services, camille, alex)  # Alex was offered work last, but served Léa
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 2
    with services.sessions() as session:
        given = offered_to(session)
    assert given[again.id] == alex.user.id
    assert given[other.id] == camille.user.id


def test_skills_and_languages_decide_who_may_take_an_item(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        billing = queue(session, "billing", required_skills={"billing": 2},
                        languages=["fr", "en"])
        camille = agent(session, services, "Camille", queues=[billing],
                        skills={"billing": 1}, languages=["fr"], available=False)
        alex = agent(session, services, "Alex", queues=[billing],
                     skills={"billing": 3}, languages=["en"], available=False)
        nina = agent(session, services, "Nina", queues=[billing],
                     skills={"billing": 2}, languages=["fr"], available=False)
        session.add(RoutingRule(name="all to billing", position=1, queue_id=billing.id,
                                conditions={}))
        session.flush()
        french = work(session, ctx, kind="email", channel="email",
                      attributes={"language": "fr"})
        english = work(session, ctx, kind="email", channel="email",
                       attributes={"language": "en"})
    available(services, camille, alex, nina)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 2
    with services.sessions() as session:
        given = offered_to(session)
    assert given == {french.id: nina.user.id, english.id: alex.user.id}
    assert ctx.state.load(camille.user.id) == Load()


def test_an_advisor_who_declined_is_not_offered_the_item_again(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille")
        item = work(session, ctx, kind="chat", channel="webchat")
        (offer,) = session.scalars(select(Offer)).all()
        decline_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 0
    with transaction(services.sessions) as session:
        alex = agent(session, services, "Alex")
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 1
    with services.sessions() as session:
        assert offered_to(session) == {item.id: alex.user.id}


def test_auto_accept_assigns_at_once_and_says_so(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"auto_accept": ["chat"]},
                        available=False)
        chat = work(session, ctx, kind="chat", channel="webchat", text="Ma box ne marche plus")
        mail = work(session, ctx, kind="email", channel="email")
    available(services, camille)
    with transaction(services.sessions) as session:
        assert route_batch(session, ctx=ctx) == 2
    with services.sessions() as session:
        assert session.get(WorkItem, chat.id).state == WorkState.ASSIGNED
        assert session.get(WorkItem, chat.id).assigned_user_id == camille.user.id
        assert session.get(WorkItem, mail.id).state == WorkState.OFFERED
        assert session.get(WorkItem, mail.id).assigned_user_id is None  # offered, not given
        auto = session.scalar(select(Offer).where(Offer.work_item_id == chat.id))
        assert (auto.state, auto.auto_accepted) == (OfferState.ACCEPTED, True)
        events = list(session.scalars(select(RealtimeEvent).order_by(RealtimeEvent.id)))
    names = [(e.name, e.payload.get("work_item_id") or e.payload["work_item"]["id"])
             for e in events if e.name.startswith("offer.")]
    assert ("offer.accepted", chat.id) not in names  # the card itself says assigned
    card = next(e.payload for e in events if e.name == "offer.created"
                and e.payload["work_item"]["id"] == chat.id)
    assert card["auto_accepted"] is True
    assert card["customer"]["name"] == "Léa Dubois"
    assert card["work_item"]["preview"] == "Ma box ne marche plus"
    assert card["work_item"]["queue"] == "general"
    assert card["account"]["available"] is True
    assert [i["body"] for i in card["timeline"]] == ["Ma box ne marche plus"]  # every card


def test_two_passes_at_once_never_offer_an_item_twice(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        advisors = [agent(session, services, f"A{n}", capacity={"async": 2}, available=False)
                    for n in range(3)]
        mails = [work(session, ctx, kind="email", channel="email") for _ in range(10)]
    available(services, *advisors)
    first, second = services.sessions(), services.sessions()
    try:
        made = route_batch(first, ctx=ctx, limit=4)  # holds its 4 items' locks
        made += route_batch(second, ctx=ctx)  # skips them, fills the remaining room
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert made == 6
    with services.sessions() as session:
        offers = list(session.scalars(select(Offer.work_item_id)))
        assert len(offers) == len(set(offers)) == 6
        assert {i.id for i in mails} >= set(offers)
    assert all(ctx.state.load(a.user.id) == Load(async_=2) for a in advisors)


def test_a_freed_advisor_gets_waiting_work_from_a_queued_pass(services, client):
    ctx = services.routing
    with transaction(services.sessions) as session:
        camille = agent(session, services, "Camille", capacity={"chat": 1})
        first = work(session, ctx, kind="chat", channel="webchat")
        second = work(session, ctx, kind="chat", channel="webchat")
        (offer,) = session.scalars(select(Offer)).all()
        decline_offer(session, ctx=ctx, offer_id=offer.id, user=camille.user)
    run_jobs(services)  # one route-backlog job: the second chat goes to Camille
    with services.sessions() as session:
        assert offered_to(session) == {second.id: camille.user.id}
        assert session.get(WorkItem, first.id).state == WorkState.QUEUED


def test_a_pass_works_on_sqlite(settings, tmp_path):
    """The demo's database: no row locks to skip, RETURNING and window functions."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    demo = build_services(with_settings(settings, DATABASE_URL=url))
    demo.redis.flushdb()
    try:
        with transaction(demo.sessions) as session:
            seed_demo(session)
            karim = session.scalar(select(Customer).where(Customer.display_name == "Karim Benali"))
            mine = [work(session, demo.routing, kind="email", channel="smtp", who=karim).id
                    for _ in range(2)]  # nobody is available yet: they wait
            people = list(session.scalars(select(User.id)))
        for user_id in people:
            demo.presence.set_status(user_id, PresenceStatus.AVAILABLE)
        with transaction(demo.sessions) as session:
            assert route_batch(session, ctx=demo.routing) >= 2
        with demo.sessions() as session:
            given = list(session.scalars(select(Offer.work_item_id)
                                         .where(Offer.state == OfferState.PENDING)))
            cards = list(session.scalars(select(RealtimeEvent.payload)
                                         .where(RealtimeEvent.name == "offer.created")))
        assert len(given) == len(set(given)) and set(mine) <= set(given)
        assert {c["customer"]["name"] for c in cards if c["work_item"]["id"] in mine} == {
            "Karim Benali"}
    finally:
        demo.engine.dispose()
