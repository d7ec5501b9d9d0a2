"""The offer card's preview: the customer's last words in the offered conversation."""

from __future__ import annotations

from sqlalchemy import select

from hub.db import transaction
from hub.routing.offers import conversations_of, latest_words, latest_words_of
from hub.timeline.models import Conversation
from hub.timeline.queries import recent_items_of
from tests.hub.timeline.builders import conversation, customer, interaction
from tests.support.statements import statements_sent


def previews(session, conversation_ids: list[int]) -> dict[int, str]:
    rows = {row.id: row for row in session.execute(
        select(Conversation.id, Conversation.customer_id)
        .where(Conversation.id.in_(conversation_ids)))}
    timelines = recent_items_of(session, {row.customer_id for row in rows.values()}, limit=10)
    return latest_words(session, rows, timelines)


def test_the_preview_is_the_latest_inbound_words_in_or_beyond_the_recent_timeline(services):
    with transaction(services.sessions) as session:
        lea, karim = customer(session, "Léa"), customer(session, "Karim")
        sms, mail = conversation(session, lea), conversation(session, lea, channel="email")
        buried = conversation(session, karim)
        interaction(session, sms, "Ma box ne marche plus", minutes=0)
        interaction(session, sms, "Et maintenant plus de télé", minutes=1)
        interaction(session, mail, "Facture de mars", minutes=2)
        interaction(session, mail, "Voici votre facture", minutes=3, direction="outbound")
        interaction(session, buried, "Mon colis n'est pas arrivé", minutes=0)
        for n in range(12):  # Karim's words are older than his 10 most recent items
            interaction(session, buried, f"Réponse {n}", minutes=1 + n, direction="outbound")
        ids = [sms.id, mail.id, buried.id]

    with services.sessions() as session:
        found = previews(session, ids)
        asked = latest_words_of(session, ids)

    assert found == asked == {sms.id: "Et maintenant plus de télé", mail.id: "Facture de mars",
                              buried.id: "Mon colis n'est pas arrivé"}


def test_a_card_s_conversations_come_from_the_session_when_it_holds_them(services):
    with transaction(services.sessions) as session:
        lea = customer(session, "Léa")
        held, other = conversation(session, lea), conversation(session, lea, channel="email")
        ids = {held.id, other.id}
    with services.sessions() as session:
        loaded = session.get(Conversation, held.id)  # held by this session (weakly: kept here)
        with statements_sent(session.get_bind()) as statements:
            found = conversations_of(session, ids)
        assert loaded.id == held.id

    assert {i: (c.channel, c.customer_id) for i, c in found.items()} == {
        held.id: ("twilio_sms", lea.id), other.id: ("email", lea.id)}
    assert len(statements) == 1 and str(other.id) not in statements[0]  # bound, not inlined
