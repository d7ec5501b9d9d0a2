"""`entraide simulate sms|chat` sign their hooks so the real hook route accepts them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from hub.cli import main
from hub.intake.models import InboundEvent


class _Answer:
    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.text = response.get_data(as_text=True)


@pytest.fixture
def through_the_app(client, monkeypatch):
    """requests.post from the CLI goes to the app's real hook route."""

    def post(url, data=None, headers=None, timeout=None):
        return _Answer(client.post(urlsplit(url).path, data=data, headers=headers))

    monkeypatch.setattr("hub.simulate.requests.post", post)


@pytest.mark.parametrize("command", [
    ["simulate", "sms", "--from", "+33612345678", "--body", "Bonjour"],
    ["simulate", "chat", "--from", "visitor-42", "--name", "Inès", "--body", "Bonjour"],
])
def test_the_simulators_are_signed_like_the_provider(command, through_the_app, services):
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("200")
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundEvent)) == 1
