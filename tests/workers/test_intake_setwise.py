"""The intake records a batch set-wise (identities, conversations, interactions in a few
statements for the whole batch): known and new customers mixed, one thread's messages in
order, duplicates inside a batch, a lost identity race, and the same on SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import event, inspect, select

import hub.customers.service
from hub.customers.models import Customer, Identity
from hub.customers.service import identity_key, resolve_identities, resolve_identity
from hub.db import transaction
from hub.domain.addresses import normalize_phone
from hub.domain.kinds import IdentityKind
from hub.domain.messages import AttachmentRef, InboundItem, RawRequest
from hub.intake.models import EventState, InboundEvent
from hub.intake.service import store_event
from hub.migrate import upgrade
from hub.routing.models import WorkItem
from hub.timeline.models import Attachment, Conversation, Interaction
from hub.timeline.service import Opening, open_conversations, record_inbounds
from tests.conftest import HUB_NUMBER, TWILIO_SID, settings_env, with_settings
from tests.standins.twilio import inbound_sms_params
from tests.support.statements import statements_sent
from tests.workers.helpers import count, post_signed, sms
from tests.workers.test_intake_batch import NUMBERS, bodies_by_conversation
from workers import context as worker_context
from workers.intake import process_batch


def test_a_batch_mixing_known_and_new_customers_lands_in_the_right_threads(
    client, services, db_session
):
    post_signed(client, sms("premier", from_=NUMBERS[0]))
    assert process_batch() == 1
    known = db_session.scalar(select(Conversation))
    known_customer, known_id = known.customer_id, known.id

    for body, number in [("deux", 0), ("nouveau 1", 1), ("trois", 0), ("nouveau 2", 1)]:
        post_signed(client, sms(body, from_=NUMBERS[number]))
    assert process_batch() == 4

    assert count(db_session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 5
    assert count(db_session, Customer) == 2  # the known one was found, the new one made once
    assert count(db_session, Identity) == 2
    assert count(db_session, Conversation) == 2  # the known thread is reused
    assert count(db_session, WorkItem) == 2  # and its work item extended
    assert bodies_by_conversation(db_session) == {
        NUMBERS[0]: ["premier", "deux", "trois"], NUMBERS[1]: ["nouveau 1", "nouveau 2"],
    }
    known = db_session.get(Conversation, known_id)
    assert known.customer_id == known_customer
    rows = db_session.execute(select(Interaction.id, Interaction.body, Interaction.occurred_at)
                              .where(Interaction.conversation_id == known_id)
                              .order_by(Interaction.id)).all()
    assert [body for _id, body, _at in rows] == ["premier", "deux", "trois"]  # ids in order too
    assert known.last_activity_at == rows[-1].occurred_at


def test_a_batch_costs_a_few_statements_per_batch_not_per_message(client, services):
    for n in range(6):
        post_signed(client, sms(f"message {n}", from_=NUMBERS[n % 3]))
    worker_context.services.cache_clear()
    engine = worker_context.services().engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert process_batch() == 6
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # 3 new customers, 6 messages: one statement each, where it was one per message
    for table in ("customers", "identities", "conversations", "interactions"):
        inserts = [s for s in statements if s.startswith(f"INSERT INTO {table} ")]
        assert len(inserts) == 1, (table, inserts)
    assert len([s for s in statements if s.startswith("SELECT identities.")]) == 1
    assert not [s for s in statements if s.startswith("SAVEPOINT")]


def _item(provider_id: str, body: str, attachments: tuple[AttachmentRef, ...] = ()):
    return InboundItem(provider_id=provider_id, sender_kind=IdentityKind.PHONE,
                       sender_address=NUMBERS[0], body=body, attachments=attachments)


def test_a_duplicate_inside_a_batch_is_recorded_once(services):
    picture = AttachmentRef(url="https://api.twilio.com/media/ME1", content_type="image/png")
    sound = AttachmentRef(url="https://api.twilio.com/media/ME2", content_type="audio/ogg")
    address = normalize_phone(NUMBERS[0])
    with transaction(services.sessions) as session:
        identity = resolve_identities(session, [(address, "")])[identity_key(address)]
        thread = open_conversations(session, [Opening(identity, "twilio_sms", "demo",
                                                      address.value)])
        conversation = thread[("twilio_sms", "demo", address.value)]
        found = record_inbounds(session, [
            (conversation, _item("SM1", "un", (picture, sound))),
            (conversation, _item("SM1", "un encore")),  # the same provider id
            (conversation, _item("SM2", "deux")),
        ])
        assert [i.body if i else None for i in found] == ["un", None, "deux"]
        assert [a.source_url for a in found[0].attachments] == [picture.url, sound.url]
        assert all(a.id for a in found[0].attachments) and found[2].attachments == []
        assert not inspect(found[0]).unloaded & {"attachments", "has_html", "body"}  # no query
    with transaction(services.sessions) as session:
        conversation = session.get(Conversation, conversation.id)
        again = record_inbounds(session, [(conversation, _item("SM2", "deux")),
                                          (conversation, _item("SM3", "trois"))])
        assert [i.body if i else None for i in again] == [None, "trois"]
    with services.sessions() as session:
        assert session.scalars(select(Interaction.body).order_by(Interaction.id)).all() == [
            "un", "deux", "trois"]
        assert count(session, Attachment) == 2


def test_a_thread_s_last_activity_is_its_newest_item_and_never_moves_back(services):
    """A new thread starts at its first item's time (no UPDATE for that item); an item the
    provider dates earlier than the last activity does not take it back."""
    address = normalize_phone(NUMBERS[0])
    first, later, earlier = (datetime(2026, 11, 27, 9, m, tzinfo=UTC) for m in (0, 5, 1))
    with transaction(services.sessions) as session:
        identity = resolve_identities(session, [(address, "")])[identity_key(address)]
        conversation = open_conversations(session, [Opening(
            identity, "twilio_sms", "demo", address.value, at=first)])[
            ("twilio_sms", "demo", address.value)]
        with statements_sent(session.get_bind()) as statements:
            record_inbounds(session, [(conversation, replace(_item("SM1", "un"),
                                                             occurred_at=first))])
            session.flush()
        assert not [s for s in statements if s.startswith("UPDATE conversations")]
        assert conversation.last_activity_at == first
        record_inbounds(session, [
            (conversation, replace(_item("SM2", "deux"), occurred_at=later)),
            (conversation, replace(_item("SM3", "trois"), occurred_at=earlier)),
        ])
    with services.sessions() as session:
        assert session.get(Conversation, conversation.id).last_activity_at == later


def test_an_identity_created_meanwhile_by_another_worker_wins(services, monkeypatch):
    theirs, mine = normalize_phone(NUMBERS[0]), normalize_phone(NUMBERS[1])
    with transaction(services.sessions) as session:
        winner = resolve_identity(session, address=theirs, display_name="Léa")
        winner_customer = winner.customer_id
    real_find = hub.customers.service._find_many
    calls = []

    def find_nothing_first(session, keys):  # our SELECT ran before their commit
        calls.append(keys)
        return {} if len(calls) == 1 else real_find(session, keys)

    monkeypatch.setattr(hub.customers.service, "_find_many", find_nothing_first)
    with transaction(services.sessions) as session:
        found = resolve_identities(session, [(theirs, "Autre"), (mine, "Karim")])
        assert found[identity_key(theirs)].customer_id == winner_customer
        assert found[identity_key(mine)].customer.display_name == "Karim"
    with services.sessions() as session:
        names = sorted(session.scalars(select(Customer.display_name)))
        assert names == ["Karim", "Léa"]  # the loser's new customer is gone
        assert count(session, Identity) == 2


def test_a_batch_on_sqlite(settings, tmp_path, monkeypatch):
    """The demo's database: the same set-wise statements on SQLite."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    for name, value in settings_env(with_settings(settings, DATABASE_URL=url)).items():
        monkeypatch.setenv(name, value)
    worker_context.services.cache_clear()
    svc = worker_context.services()
    svc.redis.flushdb()
    try:
        messages = [("un", 0), ("autre", 1), ("deux", 0), ("trois", 0)]
        for n, (body, number) in enumerate(messages):
            params = inbound_sms_params(from_=NUMBERS[number], to=HUB_NUMBER, body=body,
                                        account_sid=TWILIO_SID, message_sid=f"SM{n:032d}")
            req = RawRequest(method="POST", url="https://hub.example.test/hooks/twilio_sms/demo",
                             headers={}, form=tuple(params.items()), query=(), body=b"")
            with transaction(svc.sessions) as session:
                store_event(session, channel="twilio_sms", account="demo",
                            key=params["MessageSid"], is_status=False, req=req)
        assert process_batch() == 4
        with svc.sessions() as session:
            assert bodies_by_conversation(session) == {
                NUMBERS[0]: ["un", "deux", "trois"], NUMBERS[1]: ["autre"]}
            assert count(session, Customer) == 2
            assert count(session, WorkItem) == 2
            assert count(session, InboundEvent, InboundEvent.state == EventState.PROCESSED) == 4
    finally:
        svc.redis.flushdb()
        svc.engine.dispose()
        worker_context.services.cache_clear()
