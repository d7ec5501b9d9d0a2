"""Credentials of one Twilio messaging account."""

from __future__ import annotations

from dataclasses import dataclass

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    api_base_url: str = TWILIO_API
