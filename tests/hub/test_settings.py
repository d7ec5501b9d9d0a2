"""Typed settings from the environment; production refuses unsafe defaults."""

from __future__ import annotations

import pytest

from hub.settings import DEFAULT_SECRET, Settings, SettingsError

STRONG_SECRET = "s" * 48
PRODUCTION = {
    "ENTRAIDE_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
    "TWILIO_AUTH_TOKEN": "a-real-twilio-token",
    "REDIS_URL": "redis://redis:6379/0",
    "DATABASE_URL": "postgresql+psycopg://entraide@db/entraide",
    "PUBLIC_URL": "https://support.example.fr",
    "TWILIO_ACCOUNT_SID": "AC" + "9" * 32,
}


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k != name}


def test_a_complete_production_environment_loads():
    settings = Settings.from_env(PRODUCTION)
    assert settings.production
    assert settings.SECRET_KEY == STRONG_SECRET


def test_production_with_the_default_secret_key_is_refused():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env(without("SECRET_KEY"))
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": DEFAULT_SECRET})


def test_production_with_a_short_secret_key_is_refused():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": "x" * 31})


@pytest.mark.parametrize(
    "name",
    ["TWILIO_AUTH_TOKEN", "REDIS_URL", "DATABASE_URL", "PUBLIC_URL", "TWILIO_ACCOUNT_SID"],
)
def test_production_needs_each_secret_and_service(name):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(without(name))


def test_production_refuses_a_plain_http_public_url():
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        Settings.from_env({**PRODUCTION, "PUBLIC_URL": "http://support.example.fr"})


def test_development_accepts_the_defaults():
    settings = Settings.from_env({})
    assert not settings.production
    assert settings.SECRET_KEY == DEFAULT_SECRET


def test_integer_settings_are_parsed_from_the_environment():
    settings = Settings.from_env(
        {
            "OFFER_TIMEOUT_SECONDS": "45",
            "SWEEP_AFTER_SECONDS": "0",
            "MAX_ATTACHMENT_BYTES": "1000000",
        }
    )
    assert settings.OFFER_TIMEOUT_SECONDS == 45
    assert settings.SWEEP_AFTER_SECONDS == 0
    assert settings.MAX_ATTACHMENT_BYTES == 1_000_000
    assert type(settings.OFFER_TIMEOUT_SECONDS) is int


def test_string_settings_stay_strings_even_when_they_look_like_numbers():
    settings = Settings.from_env({"DATA_DIR": "123", "TWILIO_PHONE_NUMBER": "33700000001"})
    assert settings.DATA_DIR == "123"
    assert settings.TWILIO_PHONE_NUMBER == "33700000001"


def test_from_env_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("OFFER_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("RQ_QUEUE", "other")
    settings = Settings.from_env()
    assert (settings.OFFER_TIMEOUT_SECONDS, settings.RQ_QUEUE) == (7, "other")


def test_unknown_variables_are_ignored():
    assert Settings.from_env({"PATH": "/usr/bin", "ENTRAIDE_UNKNOWN": "1"}) == Settings()


def test_a_non_numeric_integer_is_refused():
    with pytest.raises(ValueError, match="abc"):
        Settings.from_env({"OFFER_TIMEOUT_SECONDS": "abc"})


def test_production_refuses_a_short_chat_identity_secret():
    env = {**PRODUCTION, "CHAT_IDENTITY_SECRETS": f"shop={STRONG_SECRET},demo=short"}
    with pytest.raises(SettingsError, match="secret of demo"):
        Settings.from_env(env)
    env["CHAT_IDENTITY_SECRETS"] = f"shop={STRONG_SECRET}"
    assert Settings.from_env(env).CHAT_IDENTITY_SECRETS.startswith("shop=")
