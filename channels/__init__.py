"""Every channel adapter, listed explicitly. Adding a channel = one folder + one line here."""

from __future__ import annotations

from channels.console import ConsoleAdapter
from channels.email import EmailAdapter
from channels.twilio_sms import TwilioSmsAdapter
from channels.webchat import WebchatAdapter
from hub.domain.ports import ChannelAdapter

ADAPTERS: dict[str, ChannelAdapter] = {
    TwilioSmsAdapter.name: TwilioSmsAdapter(),
    ConsoleAdapter.name: ConsoleAdapter(),
    EmailAdapter.name: EmailAdapter(),
    WebchatAdapter.name: WebchatAdapter(),
}
