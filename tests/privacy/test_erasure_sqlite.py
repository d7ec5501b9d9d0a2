"""Erasure on SQLite (the embedded demo): the rows and the FTS5 search index."""

from __future__ import annotations

from sqlalchemy import text

from hub.audit.service import Actor
from hub.customers.privacy import erase_customer
from hub.db import Effects, make_engine, make_sessionmaker, transaction
from hub.events import RealtimeEvent
from hub.intake.models import InboundEvent
from hub.migrate import upgrade
from tests.hub.customers.merge_builders import item, person, thread
from tests.privacy.seed import database_hits

PHONE = "+33644556677"


def test_erasure_on_sqlite_empties_rows_and_the_search_index(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url), Effects())
    with transaction(sessions) as session:
        subject = person(session, "Zéphyrine Qzxcanaryname", ("phone", PHONE))
        other = person(session, "Léa Dubois", ("phone", "+33612345678"))
        mine = thread(session, subject, key=PHONE)
        item(session, mine, 1, body="ma box qzxcanarybody est en panne")
        item(session, thread(session, other, key="+33612345678"), 2, body="box en panne")
        session.add(InboundEvent(channel="twilio_sms", account="demo", external_id="SM1",
                                 method="POST", url="https://hub.example.test/hooks", headers={},
                                 form=[["From", PHONE], ["Body", "qzxcanarybody"]], query=[],
                                 body=b"From=%2B33644556677&Body=qzxcanarybody"))
        session.add(RealtimeEvent(room="user:1", name="message.created",
                                  payload={"conversation_id": mine.id, "body": "hidden"}))
        subject_id = subject.id
    with transaction(sessions) as session:
        erase_customer(session, customer_id=subject_id, actor=Actor.system("tests"),
                       reason="Art. 17 request")
    with sessions() as session:
        assert database_hits(session, ("qzxcanary", PHONE, PHONE[1:])) == []
        assert session.scalar(text("SELECT count(*) FROM realtime_events")) == 0
        found = session.scalars(text("SELECT rowid FROM interactions_fts "
                                     "WHERE interactions_fts MATCH 'qzxcanarybody'")).all()
        assert found == []
        session.execute(text("CREATE VIRTUAL TABLE temp.terms "
                             "USING fts5vocab(main, interactions_fts, row)"))
        terms = session.scalars(text("SELECT term FROM temp.terms")).all()
        assert "box" in terms and not [t for t in terms if "qzxcanary" in t]
        blocks = session.scalars(text("SELECT block FROM interactions_fts_data")).all()
        assert not [b for b in blocks if b and b"qzxcanary" in bytes(b)]  # merged away
    sessions.kw["bind"].dispose()
