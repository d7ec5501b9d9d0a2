"""One customer seeded through every channel with canary strings, through the real paths:
signed Twilio SMS and MMS (media stored), an advisor's reply delivered by the Twilio
stand-in with its status callbacks, a signed console (chat) message under another
identity merged in, an SMS still waiting in the queue, a cached CRM account and a forum
member linked by the phone they verified.

Léa (the demo customer) writes too, with her own marker, and must come out untouched.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy import select, text

from channels.console import sign
from hub.audit.service import Actor
from hub.auth.models import Role
from hub.bootstrap import console_account
from hub.customers.crm import CACHE_PREFIX
from hub.customers.merge import merge_customers
from hub.customers.models import Identity
from hub.db import transaction
from hub.forum import members
from hub.forum.models import ForumMember
from hub.models import Base
from hub.routing.presence import PresenceStatus
from tests.conftest import run_jobs
from tests.personas import LEA_PHONE, advisor, demo_customers
from tests.standins.twilio import status_callback_params
from tests.workers.helpers import post_signed, sms

PHONE = "+33644556677"
NAME = "Zéphyrine Qzxcanaryname"
CHAT_ADDRESS = "qzxcanary-chat-4d8e"
CANARIES = ("qzxcanary", PHONE, PHONE[1:], "0644556677", "06 44 55 66 77", "%2B33644556677")
OTHER = "wvk-lea"  # Léa's marker: must survive the erasure
PHOTO = b"\xff\xd8\xff\xe0 qzxcanary-photo-bytes of the router"


@dataclass
class Seeded:
    customer_id: int
    chat_customer_id: int
    supervisor: Any
    advisor: Any


def bearer(persona: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def seed(client: Any, services: Any, twilio: Any, settings: Any) -> Seeded:
    with transaction(services.sessions) as session:
        demo_customers(session)
        camille = advisor(session)
        boss = advisor(session, email="sam@example.test", name="Sam", role=Role.SUPERVISOR,
                       queue=False)
    services.presence.set_status(camille.user.id, PresenceStatus.AVAILABLE)
    post_signed(client, sms("Bonjour qzxcanary-body-sms, ma box est en panne", from_=PHONE))
    run_jobs(services)
    conversation_id = _accept_offer(client, camille)
    media = twilio.add_media(PHOTO, "image/jpeg") + "?filename=qzxcanary-photo.jpg"
    post_signed(client, sms("Voici la photo qzxcanary-body-mms", from_=PHONE,
                            media=[(media, "image/jpeg")]))
    run_jobs(services)
    _reply_and_deliver(client, services, twilio, camille, conversation_id)
    post_signed(client, sms(f"Bonjour {OTHER}", from_=LEA_PHONE))
    run_jobs(services)
    chat_customer_id = _chat(client, services, settings)
    with transaction(services.sessions) as session:
        customer_id = session.scalar(select(Identity.customer_id)
                                     .where(Identity.address == PHONE))
        merge_customers(session, survivor_id=customer_id, merged_id=chat_customer_id,
                        actor=Actor.system("tests"), reason="the same person on two channels")
        _forum_member_by_phone(session, customer_id)
    post_signed(client, sms("Encore moi qzxcanary-body-pending", from_="06 44 55 66 77"))
    services.redis.set(f"{CACHE_PREFIX}{customer_id}", json.dumps({"name": NAME}))
    return Seeded(customer_id, chat_customer_id, boss, camille)


def _forum_member_by_phone(session: Any, customer_id: int) -> None:
    """A forum member who verified the subject's phone: linked, so erased with them."""
    member = ForumMember(email="qzxcanary-member@example.net", pseudonym="Qzxcanary Z",
                         pseudonym_key="qzxcanary z", password_hash="!")
    session.add(member)
    session.flush()
    members.record_verified_phone(session, member=member, phone="06 44 55 66 77",
                                  region="FR")
    assert member.customer_id == customer_id


def _accept_offer(client: Any, camille: Any) -> int:
    events = client.get("/api/v1/events?after=0", headers=bearer(camille)).get_json()["events"]
    offer = next(e for e in events if e["event"] == "offer.created")["data"]
    accepted = client.post(f"/api/v1/offers/{offer['offer_id']}/accept", headers=bearer(camille))
    assert accepted.status_code == 200, accepted.get_json()
    return accepted.get_json()["conversation_id"]


def _reply_and_deliver(client: Any, services: Any, twilio: Any, camille: Any,
                       conversation_id: int) -> None:
    reply = client.post(f"/api/v1/conversations/{conversation_id}/replies",
                        json={"body": "Bonjour, je regarde qzxcanary-reply"},
                        headers=bearer(camille))
    assert reply.status_code == 201, reply.get_json()
    run_jobs(services)
    (message,) = twilio.messages
    for status in ("sent", "delivered"):
        post_signed(client, status_callback_params(message, status))
    run_jobs(services)


def _chat(client: Any, services: Any, settings: Any) -> int:
    body = json.dumps({"id": "chat-1", "from": CHAT_ADDRESS, "name": NAME,
                       "body": "Je vous écris aussi par le chat qzxcanary-body-chat"}).encode()
    secret = str(console_account(settings).credentials)
    response = client.post("/hooks/console/demo", data=body, content_type="application/json",
                           headers={"X-Console-Signature": sign(secret, body)})
    assert response.status_code == 200, response.data
    run_jobs(services)
    with services.sessions() as session:
        return session.scalar(select(Identity.customer_id)
                              .where(Identity.address == CHAT_ADDRESS))


# --- searching for canaries ---------------------------------------------------------------


def plain(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        raw = bytes(value).decode("utf-8", "replace")
        return raw + " " + unquote_plus(raw)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def found_in(textual: str, needles: tuple[str, ...] = CANARIES) -> list[str]:
    lowered = textual.lower()
    return [n for n in needles if n.lower() in lowered]


def database_hits(session: Any, needles: tuple[str, ...] = CANARIES) -> list[str]:
    hits = []
    for t in Base.metadata.sorted_tables:
        for row in session.execute(select(t)):
            textual = " | ".join(plain(v) for v in row)
            if found_in(textual, needles):
                hits.append(f"{t.name}: {textual[:300]}")
    if session.bind.dialect.name == "postgresql":
        for vector in session.scalars(text("SELECT search_vector::text FROM interactions")):
            if found_in(vector or "", needles):
                hits.append(f"interactions.search_vector: {vector}")
    return hits


def file_hits(root: Path, needles: tuple[str, ...] = CANARIES) -> list[str]:
    hits = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if found_in(name + plain(path.read_bytes()), needles):
                hits.append(str(path))
    return hits


def redis_hits(redis: Any, needles: tuple[str, ...] = CANARIES) -> list[str]:
    hits = []
    for key in redis.scan_iter(count=500):
        values = _redis_values(redis, key)
        textual = plain(key) + " " + " ".join(plain(_inflate(v)) for v in values)
        if found_in(textual, needles):
            hits.append(key.decode())
    return hits


def _redis_values(redis: Any, key: bytes) -> list[Any]:
    kind = redis.type(key).decode()
    readers = {
        "string": lambda: [redis.get(key)],
        "hash": lambda: [item for pair in redis.hgetall(key).items() for item in pair],
        "list": lambda: redis.lrange(key, 0, -1),
        "set": lambda: list(redis.smembers(key)),
        "zset": lambda: redis.zrange(key, 0, -1),
        "stream": lambda: [v for _id, fields in redis.xrange(key)
                           for pair in fields.items() for v in pair],
    }
    return [v for v in readers.get(kind, list)() if v is not None]


def _inflate(value: Any) -> Any:
    """RQ stores job data zlib-compressed."""
    if isinstance(value, bytes):
        try:
            return value + b" " + zlib.decompress(value)
        except zlib.error:
            return value
    return value
