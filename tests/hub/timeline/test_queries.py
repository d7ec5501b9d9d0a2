"""The timeline read: newest first across channels, keyset pages, filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.timeline.queries import TimelineFilter, recent_items, recent_items_of, timeline_page
from tests.hub.timeline.builders import T0, conversation, customer, interaction

EVERYTHING = TimelineFilter()


def walk(session, customer_id, *, limit, filters=EVERYTHING):
    """Every page, following next_position; returns the pages' ids."""
    pages, after = [], None
    while True:
        page = timeline_page(session, customer_id, filters=filters, after=after, limit=limit)
        pages.append([item["id"] for item in page.items])
        if page.next_position is None:
            return pages
        after = page.next_position
        assert len(pages) < 100, "pagination does not end"


def test_newest_first_across_every_channel(sessions):
    with sessions.begin() as session:
        lea = customer(session)
        sms = conversation(session, lea, "twilio_sms")
        console = conversation(session, lea, "console")
        old = interaction(session, sms, "Bonjour", minutes=1)
        newest = interaction(session, console, "Merci", minutes=30, direction="outbound")
        middle = interaction(session, sms, "Ma box ne marche plus", minutes=10, attachments=2)
        other = customer(session, "Karim")
        interaction(session, conversation(session, other), "pas à Léa", minutes=20)
    with sessions() as session:
        page = timeline_page(session, lea.id)
    assert [i["id"] for i in page.items] == [newest.id, middle.id, old.id]
    assert page.next_position is None
    shown = page.items[1]
    assert shown["channel"] == "twilio_sms" and shown["conversation_id"] == sms.id
    assert shown["direction"] == "inbound" and shown["status"] == "received"
    assert shown["body"] == "Ma box ne marche plus"
    assert [a["content_type"] for a in shown["attachments"]] == ["image/jpeg", "image/jpeg"]
    assert page.items[0]["occurred_at"] == (T0 + timedelta(minutes=30)).isoformat()


@pytest.mark.parametrize("limit", [1, 3, 4, 7, 25])
def test_pages_walk_everything_once_even_on_equal_timestamps(sessions, limit):
    with sessions.begin() as session:
        lea = customer(session)
        sms = conversation(session, lea)
        mail = conversation(session, lea, "console")
        # 5 instants, several interactions at each: page boundaries fall inside ties
        for n in range(17):
            interaction(session, sms if n % 2 else mail, f"message {n}", minutes=n % 5)
    with sessions() as session:
        pages = walk(session, lea.id, limit=limit)
        everything = timeline_page(session, lea.id, limit=100).items
    expected = [i["id"] for i in sorted(everything, key=lambda i: (i["occurred_at"], i["id"]),
                                        reverse=True)]
    assert [i["id"] for i in everything] == expected
    assert [i for page in pages for i in page] == expected
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit


def test_a_full_last_page_has_no_next_position(sessions):
    with sessions.begin() as session:
        lea = customer(session)
        thread = conversation(session, lea)
        for n in range(4):
            interaction(session, thread, minutes=n)
    with sessions() as session:
        assert [len(page) for page in walk(session, lea.id, limit=2)] == [2, 2]  # no empty 3rd
        assert timeline_page(session, lea.id, limit=4).next_position is None
        assert timeline_page(session, lea.id, limit=3).next_position is not None


def test_filters(sessions):
    with sessions.begin() as session:
        lea = customer(session)
        sms = conversation(session, lea, "twilio_sms")
        console = conversation(session, lea, "console")
        a = interaction(session, sms, "a", minutes=0)
        b = interaction(session, sms, "b", minutes=10, direction="outbound")
        c = interaction(session, console, "c", minutes=20)
        d = interaction(session, console, "d", minutes=30, direction="outbound")

    def ids(**kwargs):
        with sessions() as session:
            page = timeline_page(session, lea.id, filters=TimelineFilter(**kwargs))
        return [item["id"] for item in page.items]

    assert ids() == [d.id, c.id, b.id, a.id]
    assert ids(channels=("console",)) == [d.id, c.id]
    assert ids(channels=("console", "twilio_sms")) == [d.id, c.id, b.id, a.id]
    assert ids(channels=("email",)) == []
    assert ids(direction="outbound") == [d.id, b.id]
    assert ids(direction="inbound", channels=("twilio_sms",)) == [a.id]
    assert ids(conversation_id=sms.id) == [b.id, a.id]
    assert ids(since=T0 + timedelta(minutes=10)) == [d.id, c.id, b.id]  # inclusive
    assert ids(until=T0 + timedelta(minutes=20)) == [c.id, b.id, a.id]  # inclusive
    assert ids(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=10)) == [b.id]
    assert ids(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=25),
               direction="inbound") == [c.id]


def test_filters_hold_across_pages(sessions):
    with sessions.begin() as session:
        lea = customer(session)
        sms = conversation(session, lea, "twilio_sms")
        console = conversation(session, lea, "console")
        wanted = [interaction(session, sms, minutes=n).id for n in range(0, 20, 2)]
        for n in range(1, 20, 2):
            interaction(session, console, minutes=n)
    with sessions() as session:
        pages = walk(session, lea.id, limit=3, filters=TimelineFilter(channels=("twilio_sms",)))
    assert [i for page in pages for i in page] == list(reversed(wanted))


def test_recent_items_of_many_customers_is_each_ones_recent_items(sessions):
    """The offer cards' set-wise read: each customer's latest ``limit``, newest first, with
    attachments, the same as one read per customer; a customer with nothing is empty."""
    with sessions.begin() as session:
        lea, karim, nobody = customer(session), customer(session, "Karim"), customer(session, "N")
        for n in range(14):  # more than the limit, with ties on the instant
            interaction(session, conversation(session, lea), f"léa {n}", minutes=n % 6,
                        attachments=n % 3)
        interaction(session, conversation(session, karim, "console"), "karim", minutes=2)
        ids = [lea.id, karim.id, nobody.id]
    with sessions() as session:
        found = recent_items_of(session, [*ids, lea.id], limit=10)
        assert found == {cid: recent_items(session, cid, limit=10) for cid in ids}
    assert len(found[lea.id]) == 10 and [i["body"] for i in found[karim.id]] == ["karim"]
    assert found[nobody.id] == []
    assert any(item["attachments"] for item in found[lea.id])
