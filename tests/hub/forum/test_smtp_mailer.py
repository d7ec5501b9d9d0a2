"""The SMTP mailer against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from hub.forum.config import ForumConfig
from hub.forum.mail import LogMailer, Mail, SmtpMailer, mailer_for


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_the_smtp_mailer_delivers(smtp_server):
    controller, inbox = smtp_server
    config = ForumConfig(FORUM_MAILER="smtp", FORUM_SMTP_HOST="127.0.0.1",
                         FORUM_SMTP_PORT=controller.port, FORUM_SMTP_FROM="forum@brand.test")
    mailer = mailer_for(config)
    assert isinstance(mailer, SmtpMailer)
    mailer.send(Mail(to="lea@example.test", subject="Nouveau message privé",
                     body="Lisez ici : https://hub.example.test/forum/messages"))
    envelope = inbox.envelopes[-1]
    assert envelope.mail_from == "forum@brand.test"
    assert envelope.rcpt_tos == ["lea@example.test"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Nouveau message privé"
    assert message["Message-ID"].endswith("@brand.test>")
    assert "forum/messages" in message.get_content()


def test_an_unreachable_server_is_logged_not_raised(caplog):
    mailer = SmtpMailer(host="127.0.0.1", port=_free_port(), sender="forum@brand.test",
                        timeout=1)
    mailer.send(Mail(to="lea@example.test", subject="s", body="b"))
    assert "not sent" in caplog.text


def test_the_setting_chooses_the_mailer():
    assert isinstance(mailer_for(ForumConfig()), LogMailer)
    with pytest.raises(ValueError, match="FORUM_MAILER"):
        mailer_for(ForumConfig(FORUM_MAILER="carrier-pigeon"))


def _page_app(services, settings, monkeypatch, port: int):
    """The hub with FORUM_MAILER=smtp: the forum pages queue their mails."""
    from hub.app import create_app

    for name, value in {"FORUM_MAILER": "smtp", "FORUM_SMTP_HOST": "127.0.0.1",
                        "FORUM_SMTP_PORT": str(port),
                        "FORUM_SMTP_FROM": "forum@brand.test"}.items():
        monkeypatch.setenv(name, value)
    application = create_app(settings, services)
    application.config["TESTING"] = True
    return application


def _register(client) -> None:
    from tests.hub.forum.conftest import PASSWORD, csrf_of

    token = csrf_of(client, "/forum/register")
    response = client.post("/forum/register", data={
        "email": "lea@example.test", "pseudonym": "Léa D.", "password": PASSWORD,
        "csrf_token": token})
    assert response.status_code == 200, response.text


def test_the_pages_queue_mails_and_a_worker_sends_them(forum, settings, monkeypatch,
                                                       smtp_server):
    from hub.forum.mail import MAIL_JOB, QueuedMailer
    from tests.conftest import run_jobs

    controller, inbox = smtp_server
    application = _page_app(forum, settings, monkeypatch, controller.port)
    assert isinstance(application.extensions["forum"].mailer, QueuedMailer)
    _register(application.test_client())
    assert inbox.envelopes == []  # nothing sent during the request
    [job] = forum.queue.get_jobs()
    assert job.func_name == MAIL_JOB
    run_jobs(forum)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["lea@example.test"]
    body = message_from_bytes(envelope.content, policy=policy.default).get_content()
    assert "/forum/verify/" in body


def test_a_refused_mail_is_retried_until_the_server_answers(forum, settings, monkeypatch):
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from tests.conftest import run_jobs

    port = _free_port()
    application = _page_app(forum, settings, monkeypatch, port)
    _register(application.test_client())
    [job] = forum.queue.get_jobs()
    run_jobs(forum)  # nobody listens on the port: the job fails and is scheduled again
    job = Job.fetch(job.id, connection=forum.redis)
    assert job.retries_left == 4
    assert job.id in ScheduledJobRegistry(queue=forum.queue).get_job_ids()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ScheduledJobRegistry(queue=forum.queue).remove(job)
        forum.queue.enqueue_job(job)  # the retry falls due
        run_jobs(forum)
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in inbox.envelopes] == [["lea@example.test"]]
