"""Every identity source finds one customer: phone, WhatsApp, social ids, forum members.
On PostgreSQL and on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.customers.identity import customer_for_contact, resolve_sender
from hub.customers.models import Identity
from hub.db import transaction, utcnow
from hub.domain.kinds import IdentityKind
from hub.domain.messages import InboundItem
from hub.forum import members
from hub.forum.models import ForumMember
from hub.forum.service import ForumRefused
from tests.hub.customers.merge_builders import person

LEA = "+33612345678"


def inbound(kind: IdentityKind, sender: str, scope: str = "", name: str = "") -> InboundItem:
    return InboundItem(provider_id=f"{kind}-{sender}-{scope}", sender_kind=kind,
                       sender_address=sender, sender_scope=scope, body="bonjour",
                       sender_name=name)


def test_an_sms_and_a_whatsapp_message_from_one_number_find_one_customer(both_databases):
    with transaction(both_databases) as session:
        by_sms = resolve_sender(session, item=inbound(IdentityKind.PHONE, "06 12 34 56 78"),
                                region="FR")
        by_whatsapp = resolve_sender(session, item=inbound(IdentityKind.WHATSAPP,
                                                           "33612345678"), region="FR")
        assert by_whatsapp.id == by_sms.id
        assert (by_sms.kind, by_sms.address, by_sms.verified) == ("phone", LEA, True)


def test_social_ids_are_identities_scoped_to_their_page(both_databases):
    with transaction(both_databases) as session:
        first = resolve_sender(session, item=inbound(IdentityKind.MESSENGER, "24017", "p1",
                                                     name="Léa D"), region="FR")
        again = resolve_sender(session, item=inbound(IdentityKind.MESSENGER, "24017", "p1"),
                               region="FR")
        other_page = resolve_sender(session, item=inbound(IdentityKind.MESSENGER, "24017",
                                                          "p2"), region="FR")
        instagram = resolve_sender(session, item=inbound(IdentityKind.INSTAGRAM, "24017",
                                                         "p1"), region="FR")
        x = resolve_sender(session, item=inbound(IdentityKind.X, "783214"), region="FR")
        assert again.id == first.id and first.address == "p1:24017"
        assert first.customer.display_name == "Léa D"
        assert len({first.customer_id, other_page.customer_id, instagram.customer_id,
                    x.customer_id}) == 4
        assert (x.kind, x.address, x.verified) == ("x", "783214", True)


@pytest.mark.parametrize(("kind", "sender", "scope", "kept"), [
    (IdentityKind.WHATSAPP, "not-a-wa-id", "", ("phone", "not-a-wa-id")),
    (IdentityKind.MESSENGER, "psid?", "p1", ("messenger", "p1:psid?")),
    (IdentityKind.INSTAGRAM, "998877", "", ("instagram", "998877")),
    (IdentityKind.X, "@someone", "", ("x", "@someone")),
])
def test_an_unparseable_id_is_kept_raw_and_unverified(both_databases, kind, sender, scope,
                                                      kept):
    with transaction(both_databases) as session:
        identity = resolve_sender(session, item=inbound(kind, sender, scope), region="FR")
        assert (identity.kind, identity.address, identity.verified) == (*kept, False)
        assert identity.customer_id is not None  # the message still has a customer


def test_customer_for_contact_needs_a_verified_identity(both_databases):
    with transaction(both_databases) as session:
        lea = person(session, "Léa Dubois", ("phone", LEA), ("email", "lea@example.fr"))
        person(session, "Raw", ("email", "bad@@example.fr"), verified=False)
        assert customer_for_contact(session, phone="06 12 34 56 78") == lea.id
        assert customer_for_contact(session, email="LEA@example.fr") == lea.id
        assert customer_for_contact(session, email="bad@@example.fr") is None
        assert customer_for_contact(session, email="nobody@example.fr") is None


def _member(session, email: str, *, verified: bool) -> ForumMember:
    member = ForumMember(email=email, pseudonym="Léa D.", pseudonym_key="lea d",
                         password_hash="!")
    if verified:
        member.email_verified_at = utcnow()
    session.add(member)
    session.flush()
    return member


def test_a_forum_member_is_linked_by_a_verified_phone(both_databases):
    with transaction(both_databases) as session:
        lea = person(session, "Léa Dubois", ("phone", LEA))
        member = _member(session, "lea.forum@example.net", verified=False)
        members.link_customer(session, member)
        assert member.customer_id is None  # nothing proven yet
        members.record_verified_phone(session, member=member, phone="06 12 34 56 78",
                                      region="FR")
        assert (member.phone, member.customer_id) == (LEA, lea.id)


def test_a_forum_member_email_still_links_first(both_databases):
    with transaction(both_databases) as session:
        by_email = person(session, "Léa Dubois", ("email", "lea@example.fr"))
        person(session, "Someone", ("phone", LEA))
        member = _member(session, "lea@example.fr", verified=True)
        member.phone, member.phone_verified_at = LEA, utcnow()
        members.link_customer(session, member)
        assert member.customer_id == by_email.id


def test_an_unparseable_forum_phone_is_refused(both_databases):
    with transaction(both_databases) as session:
        member = _member(session, "lea@example.net", verified=True)
        with pytest.raises(ForumRefused, match="valid phone"):
            members.record_verified_phone(session, member=member, phone="12", region="FR")
        assert member.phone is None
        assert session.scalars(select(Identity)).all() == []
