"""Merging two customers and undoing it, on PostgreSQL and on SQLite (the demo)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.customers.merge import canonical_customer_id, link_identity, merge_customers, unmerge
from hub.customers.models import Customer, CustomerMerge, Identity, Invoice, MergeSuggestion
from hub.db import Effects, make_engine, make_sessionmaker, transaction
from hub.domain.addresses import normalize_email, normalize_phone
from hub.domain.errors import NotAllowed
from hub.migrate import upgrade
from hub.timeline.models import Conversation, Interaction
from tests.conftest import run_jobs
from tests.hub.customers.merge_builders import (
    ADVISOR,
    audit_count,
    invoice,
    item,
    person,
    thread,
    timeline,
)
from tests.workers.helpers import post_signed, sms


@pytest.fixture(params=["postgresql", "sqlite"])
def sessions(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("services").sessions
        return
    url = f"sqlite:///{tmp_path / 'merge.db'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url), Effects())
    yield factory
    factory.kw["bind"].dispose()


def lea_twice(session):
    """Léa wrote by SMS (minutes 0 and 2) and, as another customer, by email (1 and 3)."""
    by_phone = person(session, "Léa Dubois", ("phone", "+33612345678"))
    by_mail = person(session, "Lea Dubois", ("email", "lea.dubois@example.test"))
    thread(session, by_phone, 0, 2)
    thread(session, by_mail, 1, 3, channel="email")
    invoice(session, by_mail, "F-1")
    return by_phone, by_mail


def test_a_merge_moves_everything_and_keeps_the_timeline_in_order(sessions):
    with transaction(sessions) as session:
        survivor, merged = lea_twice(session)
        merge = merge_customers(session, survivor_id=survivor.id, merged_id=merged.id,
                                actor=ADVISOR, reason="same person, confirmed on the phone")
        ids = survivor.id, merged.id, merge.id

    with sessions() as session:
        survivor_id, merged_id, merge_id = ids
        assert [body for _id, body in timeline(session, survivor_id)] == [
            "message at 0", "message at 1", "message at 2", "message at 3"]
        assert timeline(session, merged_id) == []
        kinds = {i.kind for i in session.scalars(
            select(Identity).where(Identity.customer_id == survivor_id))}
        assert kinds == {"phone", "email"}
        assert {c.customer_id for c in session.scalars(select(Conversation))} == {survivor_id}
        assert session.scalar(select(Invoice.customer_id)) == survivor_id
        tombstone = session.get(Customer, merged_id)
        assert tombstone.merged_into_id == survivor_id
        assert canonical_customer_id(session, merged_id) == survivor_id
        moved = session.get(CustomerMerge, merge_id).moved
        assert {key: len(rows) for key, rows in moved.items()} == {
            "identities.customer_id": 1, "conversations.customer_id": 1,
            "interactions.customer_id": 2, "account_invoices.customer_id": 1}
        (entry,) = session.scalars(select(AuditEntry)).all()
        assert (entry.action, entry.subject_id, entry.actor) == (
            "customer.merge", str(survivor_id), "system:tests")
        assert entry.reason == "same person, confirmed on the phone"
        assert entry.details["merged_id"] == merged_id


def test_unmerge_restores_exactly_and_what_came_later_stays_with_the_survivor(sessions):
    with transaction(sessions) as session:
        survivor, merged = lea_twice(session)
        own_before = timeline(session, survivor.id)
        merged_before = timeline(session, merged.id)
        merge = merge_customers(session, survivor_id=survivor.id, merged_id=merged.id,
                                actor=ADVISOR, reason="same person")
        # after the merge: a new thread and identity of the survivor, and a new message
        # in the email thread that came from the merged customer
        later_thread = thread(session, survivor, 10, channel="console")
        mail_thread = session.scalar(select(Conversation).where(Conversation.channel == "email"))
        late_mail = item(session, mail_thread, 11, body="late email")
        session.add(Identity(customer_id=survivor.id, kind="console", address="lea-chat"))
        ids = survivor.id, merged.id, merge.id, later_thread.id, late_mail.id

    survivor_id, merged_id, merge_id, later_thread_id, late_mail_id = ids
    with transaction(sessions) as session:
        unmerge(session, merge_id=merge_id, actor=ADVISOR, reason="two different people")

    with sessions() as session:
        assert timeline(session, merged_id) == [*merged_before, (late_mail_id, "late email")]
        later = [row for row in timeline(session, survivor_id) if row not in own_before]
        assert [body for _id, body in later] == ["message at 10"]
        assert session.get(Conversation, later_thread_id).customer_id == survivor_id
        assert session.scalar(select(Identity.customer_id).where(
            Identity.address == "lea-chat")) == survivor_id
        assert session.scalar(select(Identity.customer_id).where(
            Identity.kind == "email")) == merged_id
        assert session.scalar(select(Invoice.customer_id)) == merged_id
        assert session.get(Customer, merged_id).merged_into_id is None
        assert session.get(CustomerMerge, merge_id).undone_at is not None
        assert session.scalar(select(MergeSuggestion.state)) == "rejected"
        assert audit_count(session, "customer.merge") == 1
        assert audit_count(session, "customer.unmerge") == 1


def test_refusals_say_why(sessions):
    with transaction(sessions) as session:
        a = person(session, "A")
        b = person(session, "B")
        c = person(session, "C")
        ids = a.id, b.id, c.id
    a_id, b_id, c_id = ids

    def attempt(**kwargs):
        with pytest.raises(NotAllowed) as refused, transaction(sessions) as session:
            merge_customers(session, actor=ADVISOR, reason="test", **kwargs)
        return refused.value.reason

    assert attempt(survivor_id=a_id, merged_id=a_id) == \
        "a customer cannot be merged into itself"
    assert attempt(survivor_id=a_id, merged_id=999_999) == "no such customer: 999999"
    with transaction(sessions) as session:
        first = merge_customers(session, survivor_id=a_id, merged_id=b_id, actor=ADVISOR,
                                reason="one").id
    assert attempt(survivor_id=c_id, merged_id=b_id) == \
        f"customer {b_id} was merged into customer {a_id}"
    with transaction(sessions) as session:
        second = merge_customers(session, survivor_id=c_id, merged_id=a_id, actor=ADVISOR,
                                 reason="two").id
    with pytest.raises(NotAllowed, match="undo that merge first"), \
            transaction(sessions) as session:
        unmerge(session, merge_id=first, actor=ADVISOR, reason="out of order")
    for merge_id in (second, first):
        with transaction(sessions) as session:
            unmerge(session, merge_id=merge_id, actor=ADVISOR, reason="in order")
    with pytest.raises(NotAllowed, match="already undone"), transaction(sessions) as session:
        unmerge(session, merge_id=first, actor=ADVISOR, reason="again")
    with sessions() as session:
        assert [session.get(Customer, i).merged_into_id for i in ids] == [None, None, None]


def test_a_verified_address_linked_to_a_second_customer_merges_them_automatically(sessions):
    with transaction(sessions) as session:
        chat = person(session, "Léa", ("console", "lea-chat"))
        phone = person(session, "+33612345678", ("phone", "+33612345678"))
        unverified = person(session, "Karim", ("phone", "12"), verified=False)
        thread(session, phone, 1)
        ids = chat.id, phone.id, unverified.id
    chat_id, phone_id, unverified_id = ids

    with transaction(sessions) as session:
        new = link_identity(session, customer_id=chat_id, actor=ADVISOR, reason="signed in",
                            address=normalize_email("lea@example.test"))
        assert (new.customer_id, new.kind) == (chat_id, "email")
        linked = link_identity(session, customer_id=chat_id, actor=ADVISOR,
                               reason="the brand's site vouches for this number",
                               address=normalize_phone("06 12 34 56 78"))
        assert linked.customer_id == chat_id
    with sessions() as session:
        merge = session.scalar(select(CustomerMerge))
        assert (merge.survivor_id, merge.merged_id, merge.automatic) == (chat_id, phone_id, True)
        assert [body for _id, body in timeline(session, chat_id)] == ["message at 1"]
    with pytest.raises(NotAllowed, match="not verified"), transaction(sessions) as session:
        link_identity(session, customer_id=chat_id, actor=ADVISOR, reason="typed in",
                      address=normalize_phone("12"))
    with sessions() as session:
        assert session.get(Customer, unverified_id).merged_into_id is None


def test_a_message_after_the_merge_lands_on_the_survivor(client, services, db_session):
    post_signed(client, sms("Premier SMS"))
    run_jobs(services)
    with transaction(services.sessions) as session:
        by_sms = session.scalar(select(Customer))
        chat = person(session, "Léa Dubois", ("console", "lea-chat"))
        merge_customers(session, survivor_id=chat.id, merged_id=by_sms.id, actor=ADVISOR,
                        reason="same person")
        chat_id = chat.id
    post_signed(client, sms("Deuxième SMS"))
    run_jobs(services)
    db_session.expire_all()
    assert [body for _id, body in timeline(db_session, chat_id)] == ["Premier SMS",
                                                                      "Deuxième SMS"]
    assert db_session.scalar(select(Customer.id).where(Customer.merged_into_id.is_(None))) \
        == chat_id
    assert len(db_session.scalars(select(Interaction)).all()) == 2
