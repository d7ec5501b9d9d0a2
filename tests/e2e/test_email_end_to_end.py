"""A mail from a customer, received by the real `entraide smtp` process, reaches an
advisor's socket; the advisor's reply leaves through an SMTP relay, threaded.

The customer's mail is sent by `entraide simulate email` (smtplib), as in the demo.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from hub.db import Effects, make_engine, make_sessionmaker, transaction
from hub.settings import Settings
from tests.channels.email.test_outbound import Relay
from tests.conftest import settings_env, with_settings
from tests.personas import advisor
from tests.support.processes import HubProcess, env_for, free_port
from tests.support.stack import Stack, connect_agent, next_event

pytestmark = pytest.mark.e2e


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def wait_smtp(port: int, process: HubProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process and process.process.poll() is not None:
            raise RuntimeError(f"smtp died:\n{process.log()[-3000:]}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                client.noop()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"entraide smtp did not answer:\n{process.log()[-3000:]}")


def wait_relay(relay: Relay, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not relay.received:
        time.sleep(0.1)
    return relay.received


def test_email_to_advisor_socket_and_reply_back_out(services, settings: Settings, relay,
                                                    tmp_path: Path) -> None:
    stack_settings = with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{free_port()}",
                                   EMAIL_SMTP_HOST="127.0.0.1", EMAIL_SMTP_PORT=relay[1],
                                   EMAIL_SMTP_STARTTLS=False)
    sessions = make_sessionmaker(make_engine(stack_settings.database_url), Effects())
    with transaction(sessions) as session:
        camille = advisor(session)
    env = env_for(settings_env(stack_settings))
    smtp_port = free_port()
    smtp = HubProcess(["smtp", "--port", str(smtp_port)], env, tmp_path / "smtp.log")
    stack = Stack(stack_settings, tmp_path).start()
    smtp.start()
    url = stack_settings.PUBLIC_URL
    try:
        wait_smtp(smtp_port, smtp)
        agent, received = connect_agent(url, camille.token)
        sent = subprocess.run(
            [sys.executable, "-m", "hub.cli", "simulate", "email", "--from",
             "Léa <lea@example.com>", "--subject", "Ma box ne marche plus",
             "--body", "Le voyant clignote en rouge."],
            env=env, capture_output=True, text=True, timeout=30, check=False)
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith("250 <")

        offer = next_event(received, "offer.created")["data"]
        assert offer["timeline"][0]["body"] == "Le voyant clignote en rouge."
        answer = agent.call("accept", {"offer_id": offer["offer_id"]}, namespace="/agent",
                            timeout=10)
        assert answer["ok"], answer
        reply = requests.post(
            f"{url}/api/v1/conversations/{answer['conversation_id']}/replies",
            json={"body": "Pouvez-vous la redémarrer ?"},
            headers={"Authorization": f"Bearer {camille.token}"}, timeout=10)
        assert reply.status_code == 201, reply.text

        ((_mail_from, rcpt_tos, raw),) = wait_relay(relay[0])
        mail = message_from_bytes(raw, policy=policy.default)
        assert rcpt_tos == ["lea@example.com"]
        assert mail["Subject"] == "Re: Ma box ne marche plus"
        assert mail["In-Reply-To"] == sent.stdout.split()[1]
        agent.disconnect()
    except BaseException:
        print(stack.logs(), smtp.log()[-4000:])
        raise
    finally:
        smtp.stop()
        stack.stop()
