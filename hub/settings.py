"""Every setting, read from the environment in one typed place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_SECRET = "dev-secret-change-me"  # noqa: S105 - refused in production, see check()


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    ENTRAIDE_ENV: str = "development"
    DATA_DIR: str = "var"
    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    SECRET_KEY: str = DEFAULT_SECRET
    PUBLIC_URL: str = "http://127.0.0.1:5000"
    DEFAULT_REGION: str = "FR"
    DEFAULT_LANGUAGE: str = "fr"
    TWILIO_ACCOUNT_KEY: str = "demo"
    TWILIO_ACCOUNT_SID: str = "ACdemo00000000000000000000000000"
    TWILIO_AUTH_TOKEN: str = "demo-twilio-token"  # noqa: S105 - demo account only
    TWILIO_PHONE_NUMBER: str = "+33700000000"
    TWILIO_API_BASE_URL: str = "https://api.twilio.com"
    OFFER_TIMEOUT_SECONDS: int = 20
    PRESENCE_GRACE_SECONDS: int = 30  # routing: last socket closed -> offline after this
    WEB_THREADS: int = 256  # gthread: each open websocket holds one thread of its process
    HOOK_THREADS: int = 16  # gthread threads of a hooks-only process (serve --hooks-only)
    ACCESS_LOG: bool = False  # gunicorn's line per request: paths and query strings
    MISSED_OFFERS_BEFORE_AWAY: int = 2
    MAX_PENDING_OFFERS: int = 0  # routing: unanswered offers one advisor may hold (0: no cap)
    QUEUE_COUNTS_INTERVAL_SECONDS: int = 5  # queue.counts to a queue's members at most this often
    PRIORITY_STEP_SECONDS: int = 120  # one priority point = this much waiting time
    SLA_WARNING_PERCENT: int = 80  # warn when this share of a first-response target is gone
    SIGNIN_MAX_FAILURES_PER_EMAIL: int = 10  # then 429 until the window ends
    SIGNIN_MAX_FAILURES_PER_ADDRESS: int = 50  # one client address, any emails
    SIGNIN_WINDOW_SECONDS: int = 900
    DB_POOL_SIZE: int = 30  # PostgreSQL connections a process opens as needed and keeps
    DB_MAX_OVERFLOW: int = 0  # more, opened under load and closed when returned
    DB_POOL_TIMEOUT: int = 30  # seconds a request waits for a connection, then 503
    SWEEP_AFTER_SECONDS: int = 30
    INTAKE_BATCH_SIZE: int = 50  # inbound events one intake transaction claims at most
    INTAKE_LINGER_MS: int = 0  # after a short batch, the intake waits this long to claim
    SWEEP_INTERVAL_SECONDS: int = 1
    MAX_ATTACHMENT_BYTES: int = 5_000_000
    UI_MODULES: str = "agent_ui"
    RQ_QUEUE: str = "entraide"
    SOCKETIO_ORIGINS: str = ""
    LOG_LEVEL: str = "INFO"
    WORKER_LOG_LEVEL: str = "WARNING"
    WORKER_NICE: int = 10  # workers yield the CPU to web processes on the same host (0: off)
    JOB_TIMEOUT_SECONDS: int = 30
    TRUSTED_PROXIES: int = 0
    ACCOUNT_PROVIDER: str = "sql"  # "sql" (hub tables) or "crm" (docs/accounts.md)
    CRM_URL_TEMPLATE: str = ""  # https://crm.example/api/customers/{external_id}/account
    CRM_AUTH_HEADER: str = ""  # "Authorization: Bearer …" or "X-Api-Key: …"
    CRM_TIMEOUT_SECONDS: float = 0.8
    CRM_CACHE_TTL_SECONDS: int = 300
    CRM_BREAKER_FAILURES: int = 3
    CRM_BREAKER_OPEN_SECONDS: int = 30
    CHAT_IDENTITY_SECRETS: str = ""  # "brand=secret,…": web-chat identity tokens (HS256)
    CHAT_TOKEN_MAX_LIFETIME_SECONDS: int = 3600  # refuse tokens expiring later than this
    WEBCHAT_ACCOUNTS: str = "site"  # web-chat widget accounts, comma separated (/chat/<key>)
    WEBCHAT_SESSION_MAX_AGE_SECONDS: int = 30 * 86400  # a visitor session lasts this long
    WEBCHAT_ORIGINS: str = ""  # brand sites (https://shop.example) allowed to embed the widget
    WEBCHAT_SESSION_LIMIT: int = 60  # widget sessions opened or renewed per client address / 10 min
    WEBCHAT_MESSAGE_LIMIT: int = 20  # messages per visitor per minute
    EMAIL_DOMAIN: str = "entraide.invalid"  # `entraide smtp` accepts mail for this domain only
    EMAIL_FROM: str = "support@entraide.invalid"
    EMAIL_SMTP_HOST: str = ""  # the relay for replies; empty: replies are only logged (demo)
    EMAIL_SMTP_PORT: int = 587
    EMAIL_SMTP_STARTTLS: bool = True
    EMAIL_SMTP_USER: str = ""
    EMAIL_SMTP_PASSWORD: str = ""
    MAX_EMAIL_BYTES: int = 10_000_000  # `entraide smtp` answers 552 above this

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        values: dict[str, object] = {}
        for spec in fields(cls):
            if spec.name not in source:
                continue
            raw = source[spec.name]
            parse = {"int": int, "float": float, "bool": _flag}.get(str(spec.type), str)
            values[spec.name] = parse(raw)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    @property
    def production(self) -> bool:
        return self.ENTRAIDE_ENV == "production"

    @property
    def data_path(self) -> Path:
        return Path(self.DATA_DIR).resolve()

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{self.data_path / 'entraide.db'}"

    @property
    def public_url(self) -> str:
        return self.PUBLIC_URL.rstrip("/")

    def check(self) -> None:
        if not self.production:
            return
        if self.SECRET_KEY == DEFAULT_SECRET or len(self.SECRET_KEY) < 32:
            raise SettingsError("SECRET_KEY must be set to 32+ random characters in production")
        if self.TWILIO_AUTH_TOKEN == Settings.TWILIO_AUTH_TOKEN:
            raise SettingsError("TWILIO_AUTH_TOKEN must be set in production")
        if not self.REDIS_URL:
            raise SettingsError("REDIS_URL must be set in production (no embedded Redis)")
        if not self.DATABASE_URL:
            raise SettingsError("DATABASE_URL must be set in production")
        if self.PUBLIC_URL == Settings.PUBLIC_URL or not self.PUBLIC_URL.startswith("https://"):
            raise SettingsError("PUBLIC_URL must be the public https:// address in production")
        if self.TWILIO_ACCOUNT_SID == Settings.TWILIO_ACCOUNT_SID:
            raise SettingsError("TWILIO_ACCOUNT_SID must be set in production")
        short = [pair.partition("=")[0] for pair in self.CHAT_IDENTITY_SECRETS.split(",")
                 if pair.strip() and len(pair.partition("=")[2]) < 32]
        if short:
            raise SettingsError("CHAT_IDENTITY_SECRETS: the secret of " + ", ".join(short)
                                + " must be 32+ random characters in production")
        if self.ACCOUNT_PROVIDER == "crm" and not self.CRM_URL_TEMPLATE.startswith("https://"):
            raise SettingsError("CRM_URL_TEMPLATE must be an https:// URL in production")


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{raw!r} is not a yes/no value (use true or false)")


SETTING_NAMES = frozenset(spec.name for spec in fields(Settings))
