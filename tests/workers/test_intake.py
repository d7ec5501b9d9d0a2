"""Inbound SMS end to end: hook → stored event → worker → customer, timeline, routing."""

from __future__ import annotations

from sqlalchemy import select

from hub.customers.models import Customer, Identity
from hub.events import RealtimeEvent
from hub.intake.models import EventState, InboundEvent
from hub.routing.models import Offer, OfferState, WorkItem, WorkState
from hub.timeline.models import Attachment, Conversation, Interaction
from tests.conftest import run_jobs
from tests.personas import LEA_PHONE, demo_customers
from tests.workers.helpers import available_advisor, count, post_signed, sms


def test_a_first_sms_creates_customer_identity_conversation_interaction_and_work(
    client, services, db_session
):
    post_signed(client, sms("Bonjour, ma box ne marche plus"))
    run_jobs(services)

    for model in (Customer, Identity, Conversation, Interaction, WorkItem):
        assert count(db_session, model) == 1, model.__name__
    identity = db_session.scalar(select(Identity))
    assert (identity.kind, identity.address, identity.verified) == ("phone", LEA_PHONE, True)
    interaction = db_session.scalar(select(Interaction))
    conversation = db_session.scalar(select(Conversation))
    assert interaction.body == "Bonjour, ma box ne marche plus"
    assert (interaction.direction, interaction.status) == ("inbound", "received")
    assert interaction.conversation_id == conversation.id
    assert conversation.customer_id == identity.customer_id
    assert (conversation.channel, conversation.customer_address) == ("twilio_sms", LEA_PHONE)
    assert db_session.scalar(select(WorkItem)).conversation_id == conversation.id
    assert db_session.scalar(select(InboundEvent)).state == EventState.PROCESSED


def test_the_same_number_typed_differently_lands_on_the_same_customer_and_conversation(
    client, services, db_session
):
    post_signed(client, sms("Premier message"))
    run_jobs(services)
    post_signed(client, sms("Deuxième message", from_="06 12 34 56 78"))
    post_signed(client, sms("Troisième message", from_="0033 6 12 34 56 78"))
    run_jobs(services)

    assert count(db_session, Customer) == 1
    assert count(db_session, Identity) == 1
    assert count(db_session, Conversation) == 1
    assert count(db_session, WorkItem) == 1
    conversation = db_session.scalar(select(Conversation))
    bodies = db_session.scalars(
        select(Interaction.body)
        .where(Interaction.conversation_id == conversation.id)
        .order_by(Interaction.id)
    ).all()
    assert bodies == ["Premier message", "Deuxième message", "Troisième message"]
    assert conversation.thread_key == LEA_PHONE


def test_the_work_is_offered_to_the_available_advisor_with_customer_and_account(
    client, services, db_session
):
    with services.sessions.begin() as session:
        demo_customers(session)
    camille = available_advisor(services)

    post_signed(client, sms("Ma facture est impayée ?"))
    run_jobs(services)

    db_session.expire_all()
    offer = db_session.scalar(select(Offer))
    assert offer is not None
    assert (offer.user_id, offer.state) == (camille.user.id, OfferState.PENDING)
    assert db_session.scalar(select(WorkItem)).state == WorkState.OFFERED
    (event,) = db_session.scalars(
        select(RealtimeEvent).where(RealtimeEvent.name == "offer.created")
    ).all()
    assert event.room == f"user:{camille.user.id}"
    payload = event.payload
    assert payload["offer_id"] == offer.id
    assert payload["customer"]["name"] == "Léa Dubois"
    assert payload["account"]["available"] is True
    assert "unpaid" in [invoice["status"] for invoice in payload["account"]["invoices"]]
    assert payload["account"]["subscriptions"][0]["plan"] == "Sosh 100 Go"
    assert payload["timeline"][0]["body"] == "Ma facture est impayée ?"


def test_without_an_available_advisor_the_work_waits_in_its_queue(client, services, db_session):
    available_advisor(services)
    services.redis.delete("entraide:presence")

    post_signed(client, sms())
    run_jobs(services)

    assert count(db_session, Offer) == 0
    assert db_session.scalar(select(WorkItem)).state == WorkState.QUEUED
    names = db_session.scalars(select(RealtimeEvent.name)).all()
    assert "queue.waiting" in names


def test_mms_media_is_fetched_from_twilio_into_the_file_store(
    client, services, settings, twilio, db_session
):
    photo = b"\xff\xd8\xff\xe0 photo of the router lights"
    url = twilio.add_media(photo, "image/jpeg")

    post_signed(client, sms("Voici la photo", media=[(url, "image/jpeg")]))
    run_jobs(services)

    attachment = db_session.scalar(select(Attachment))
    assert attachment is not None
    assert (attachment.state, attachment.error) == ("stored", "")
    assert attachment.size == len(photo)
    assert attachment.content_type == "image/jpeg"
    stored = settings.data_path / "attachments" / attachment.storage_key
    assert stored.read_bytes() == photo
    assert twilio.media_fetches == 1


def test_mms_media_on_a_foreign_host_is_never_fetched(client, services, db_session):
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    post_signed(client, sms("", media=[(metadata, "image/jpeg")]))
    run_jobs(services)

    attachment = db_session.scalar(select(Attachment))
    assert attachment.state == "failed"
    assert "refusing" in attachment.error
    assert count(db_session, Interaction) == 1
