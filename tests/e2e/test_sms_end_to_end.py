"""An SMS from a customer reaches an advisor's socket with the customer's context, and the
advisor's reply goes back out as an SMS — through the real processes.

Runs twice: on PostgreSQL + the shared Redis, and on the embedded default (SQLite and a
Redis server started from the wheel or PATH), as ``make demo`` does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.db import Effects, make_engine, make_sessionmaker, transaction
from hub.embedded_redis import start_embedded_redis
from hub.migrate import upgrade
from hub.settings import Settings
from tests.conftest import HUB_NUMBER, TWILIO_SID, with_settings
from tests.personas import LEA_PHONE, advisor, demo_customers
from tests.standins.twilio import TwilioStandin, inbound_sms_params, sign_and_post
from tests.support.processes import free_port
from tests.support.stack import Stack, connect_agent, next_event

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["postgresql", "embedded"])
def stack_settings(request, services, settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    port = free_port()
    base = with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{port}")
    if request.param == "postgresql":
        yield base
        return
    redis = start_embedded_redis(tmp_path / "redis")
    sqlite_url = f"sqlite:///{tmp_path / 'entraide.db'}"
    upgrade(sqlite_url)
    try:
        yield with_settings(base, DATABASE_URL=sqlite_url, REDIS_URL=redis.url)
    finally:
        redis.stop()


def test_sms_to_advisor_socket_and_reply_back_out(stack_settings: Settings, twilio: TwilioStandin,
                                                  tmp_path: Path) -> None:
    sessions = make_sessionmaker(make_engine(stack_settings.database_url), Effects())
    with transaction(sessions) as session:
        demo_customers(session)
        camille = advisor(session)
    stack = Stack(stack_settings, tmp_path).start()
    url = stack_settings.PUBLIC_URL
    try:
        agent, received = connect_agent(url, camille.token)
        params = inbound_sms_params(from_=LEA_PHONE, to=HUB_NUMBER, account_sid=TWILIO_SID,
                                    body="Ma facture est fausse")
        hook = f"{url}/hooks/twilio_sms/demo"
        assert sign_and_post(hook, params, stack_settings.TWILIO_AUTH_TOKEN).status_code == 200

        offer = next_event(received, "offer.created")["data"]
        assert offer["customer"]["name"] == "Léa Dubois"
        assert offer["timeline"][0]["body"] == "Ma facture est fausse"
        unpaid = [i for i in offer["account"]["invoices"] if i["status"] == "unpaid"]
        assert unpaid, offer["account"]

        answer = agent.call("accept", {"offer_id": offer["offer_id"]}, namespace="/agent",
                            timeout=10)
        assert answer["ok"], answer
        conversation_id = answer["conversation_id"]

        auth = {"Authorization": f"Bearer {camille.token}"}
        reply = requests.post(f"{url}/api/v1/conversations/{conversation_id}/replies",
                              json={"body": "Je regarde votre facture."}, headers=auth,
                              timeout=10)
        assert reply.status_code == 201, reply.text

        sent = twilio.wait_for_messages(1, timeout=20)
        assert (sent[0].to, sent[0].from_, sent[0].body) == (
            LEA_PHONE, HUB_NUMBER, "Je regarde votre facture.")
        assert sent[0].status_callback == f"{url}/hooks/twilio_sms/demo"

        assert twilio.send_status_callback(sent[0], "delivered").status_code == 200
        status = next_event(received, "message.status")["data"]
        while status["status"] != "delivered":
            status = next_event(received, "message.status")["data"]
        shown = requests.get(f"{url}/api/v1/conversations/{conversation_id}", headers=auth,
                             timeout=10).json()
        assert [i["status"] for i in shown["items"]] == ["received", "delivered"]
        time.sleep(1)
        assert len(twilio.messages) == 1, "the reply was sent more than once"
        agent.disconnect()
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
