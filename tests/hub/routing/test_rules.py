"""A new work item goes to the queue its rules pick, with its priority and attributes."""

from __future__ import annotations

from hub.db import transaction
from hub.routing.models import RoutingRule, WorkState
from hub.routing.service import default_queue
from tests.hub.routing.builders import customer, queue, work


def rule(session, name, target, position=100, priority=0, enabled=True, **conditions):
    row = RoutingRule(name=name, queue_id=target.id, position=position, priority=priority,
                      enabled=enabled, conditions=conditions)
    session.add(row)
    session.flush()
    return row


def test_rules_pick_the_queue_in_priority_order_with_the_default_as_fallback(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        billing = queue(session, "billing")
        english = queue(session, "english")
        vip = queue(session, "vip")
        rule(session, "VIPs first", vip, position=1, vip=True, priority=1)
        rule(session, "English speakers", english, position=5, languages=["en"])
        rule(session, "Invoices", billing, position=10, keywords=["facture", "invoice"])
        rule(session, "Disabled", english, position=0, enabled=False, channels=["sms"])

        invoice = work(session, ctx, text="Ma facture est fausse")
        emma = work(session, ctx, text="My invoice is wrong",
                    who=customer(session, "Emma", language="en"))
        karim = work(session, ctx, text="facture", who=customer(session, "Karim", vip=True))
        other = work(session, ctx, text="Ma box ne marche plus")

        assert invoice.queue_id == billing.id
        assert emma.queue_id == english.id  # position 5 before position 10
        assert karim.queue_id == vip.id
        assert karim.priority == 1 + 2  # the rule's point and the VIP points
        assert other.queue_id == default_queue(session).id
        assert {i.state for i in (invoice, emma, karim, other)} == {WorkState.QUEUED}


def test_attributes_are_kept_for_rules_such_as_an_ivr_choice(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        sales = queue(session, "sales")
        rule(session, "IVR 2 is sales", sales, attributes={"ivr_choice": "2"})
        call = work(session, ctx, kind="phone", channel="twilio_voice",
                    attributes={"ivr_choice": "2"})
        assert call.queue_id == sales.id
        assert call.attributes == {"ivr_choice": "2"}
        assert call.channel_kind == "phone"
        assert call.priority == 3  # calls first


def test_rules_on_customer_tags_and_channels(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        fibre = queue(session, "fibre")
        social = queue(session, "social")
        rule(session, "Fibre customers", fibre, position=1, tags=["fibre"])
        rule(session, "Social media", social, position=2, channels=["social"])
        tagged = customer(session, "Karim", tags=["Fibre", "pro"])
        item = work(session, ctx, who=tagged)
        tweet = work(session, ctx, kind="social", channel="x")
        if hasattr(tagged, "tags"):
            assert item.queue_id == fibre.id
        assert tweet.queue_id == social.id


def test_a_second_message_extends_the_open_item(services):
    ctx = services.routing
    with transaction(services.sessions) as session:
        first = work(session, ctx, text="Bonjour")
        from hub.routing.service import submit_work
        from hub.timeline.models import Interaction

        again = Interaction(conversation_id=first.conversation_id, customer_id=first.customer_id,
                            channel="twilio_sms", direction="inbound", body="Vous êtes là ?",
                            status="received", provider_id="again")
        session.add(again)
        session.flush()
        same = submit_work(session, ctx=ctx, conversation=first.conversation,
                           interaction=again)
        assert same.id == first.id


def test_the_demo_sends_english_speakers_to_alex(services):
    from sqlalchemy import func, select

    from hub.routing.demo import seed_routing
    from hub.routing.models import Queue, QueueMember
    from hub.seed import seed_demo

    with transaction(services.sessions) as session:
        seed_demo(session)
        seed_demo(session)  # idempotent
        english = session.scalar(select(Queue).where(Queue.name == "English"))
        members = session.scalars(select(QueueMember.user_id)
                                  .where(QueueMember.queue_id == english.id)).all()
        assert len(members) == 2  # Alex and Sophie
        assert session.scalar(select(func.count()).select_from(RoutingRule)
                              .where(RoutingRule.queue_id == english.id)) == 1
        emma = work(session, services.routing, text="Hello",
                    who=customer(session, "Emma", language="en"))
        assert emma.queue_id == english.id
        seed_routing(session)
        assert session.scalar(select(func.count()).select_from(RoutingRule)
                              .where(RoutingRule.queue_id == english.id)) == 1
