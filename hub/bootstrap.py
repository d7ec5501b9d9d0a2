"""Composition root for every process: settings in, wired services out."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from socketio import RedisManager
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from channels import ADAPTERS
from channels.email.config import EmailCredentials
from channels.twilio_sms.config import TwilioCredentials
from channels.webchat.config import Push, WebchatCredentials, no_push
from hub.auth.throttle import Limit, SignInThrottle
from hub.customers.accounts import SqlAccountProvider
from hub.customers.breaker import CircuitBreaker
from hub.customers.crm import CrmAccountProvider
from hub.db import Effects, make_engine, make_sessionmaker, wake_key
from hub.domain.errors import ProviderError
from hub.domain.ports import AccountProvider, ChannelAccount
from hub.domain.registry import ChannelRegistry
from hub.intake.service import BATCH_JOBS
from hub.realtime.manager import PipelinedRedisManager
from hub.routing.context import RoutingContext
from hub.routing.presence import Presence
from hub.routing.state import RoutingState
from hub.settings import Settings, SettingsError

log = logging.getLogger(__name__)

NAMESPACE = "/agent"
SUPERVISOR_NAMESPACE = "/supervisor"
VISITOR_NAMESPACE = "/visitor"  # web-chat visitors (hub/realtime/visitor_socket.py)


def namespaces_for(room: str) -> tuple[str, ...]:
    """The supervisors' room lives in both namespaces: the inbox and the dashboard."""
    return (NAMESPACE, SUPERVISOR_NAMESPACE) if room == "supervisors" else (NAMESPACE,)


@dataclass
class Services:
    settings: Settings
    redis_url: str
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis
    queue: Queue
    channels: ChannelRegistry
    effects: Effects

    @cached_property
    def presence(self) -> Presence:
        return Presence(self.redis)

    @cached_property
    def accounts(self) -> AccountProvider:
        return account_provider(self.settings, self.sessions, self.redis)

    @cached_property
    def routing(self) -> RoutingContext:
        return RoutingContext(
            presence=self.presence,
            accounts=self.accounts,
            state=RoutingState(self.redis),
            offer_timeout=self.settings.OFFER_TIMEOUT_SECONDS,
            kinds={name: str(adapter.kind) for name, adapter in ADAPTERS.items()},
            grace_seconds=self.settings.PRESENCE_GRACE_SECONDS,
            misses_before_away=self.settings.MISSED_OFFERS_BEFORE_AWAY,
            priority_step=self.settings.PRIORITY_STEP_SECONDS,
            sla_warning_percent=self.settings.SLA_WARNING_PERCENT,
            max_pending_offers=self.settings.MAX_PENDING_OFFERS,
            queue_counts_every=self.settings.QUEUE_COUNTS_INTERVAL_SECONDS,
        )

    @cached_property
    def signin_throttle(self) -> SignInThrottle:
        """Advisors' sign-in (``/login``); the forum's members have their own scope."""
        return SignInThrottle(
            self.redis, scope="advisor",
            limits=(Limit("email", self.settings.SIGNIN_MAX_FAILURES_PER_EMAIL),
                    Limit("ip", self.settings.SIGNIN_MAX_FAILURES_PER_ADDRESS)),
            window_seconds=self.settings.SIGNIN_WINDOW_SECONDS,
        )

    def hook_url(self, channel: str, account: str) -> str:
        return f"{self.settings.public_url}/hooks/{channel}/{account}"


def build_services(settings: Settings, *, redis_url: str | None = None) -> Services:
    url = redis_url or settings.REDIS_URL
    if not url:
        raise RuntimeError("REDIS_URL is not set (entraide demo starts an embedded Redis)")
    engine = make_engine(settings.database_url, pool_size=settings.DB_POOL_SIZE,
                         max_overflow=settings.DB_MAX_OVERFLOW,
                         pool_timeout=settings.DB_POOL_TIMEOUT)
    redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    queue = Queue(settings.RQ_QUEUE, connection=redis,
                  default_timeout=settings.JOB_TIMEOUT_SECONDS)
    manager = PipelinedRedisManager(url, channel=socketio_channel(url), write_only=True)
    effects = Effects(enqueue=_enqueuer(queue), emit=_emitter(manager),
                      emit_many=_emitter_many(manager), wake=_waker(queue, redis))
    services = Services(
        settings=settings,
        redis_url=url,
        engine=engine,
        sessions=make_sessionmaker(engine, effects),
        redis=redis,
        queue=queue,
        channels=ChannelRegistry(ADAPTERS, channel_accounts(settings,
                                                            push=_visitor_pusher(manager))),
        effects=effects,
    )
    _ = services.accounts  # a bad ACCOUNT_PROVIDER / CRM_* setting stops the process now
    return services


def account_provider(settings: Settings, sessions: sessionmaker[Session],
                     redis: Redis) -> AccountProvider:
    """ACCOUNT_PROVIDER picks where account history comes from (docs/accounts.md)."""
    if settings.ACCOUNT_PROVIDER == "sql":
        return SqlAccountProvider(sessions)
    if settings.ACCOUNT_PROVIDER != "crm":
        raise SettingsError("ACCOUNT_PROVIDER must be sql or crm")
    try:
        breaker = CircuitBreaker(redis, name="crm", failures=settings.CRM_BREAKER_FAILURES,
                                 open_seconds=settings.CRM_BREAKER_OPEN_SECONDS,
                                 probe_seconds=3 * settings.CRM_TIMEOUT_SECONDS + 1)
        return CrmAccountProvider(
            sessions, url_template=settings.CRM_URL_TEMPLATE,
            auth_header=settings.CRM_AUTH_HEADER, timeout=settings.CRM_TIMEOUT_SECONDS,
            redis=redis, ttl=settings.CRM_CACHE_TTL_SECONDS, breaker=breaker,
        )
    except ValueError as error:  # CrmConfigError, or breaker numbers out of range
        raise SettingsError(str(error)) from error


def channel_accounts(settings: Settings, *, push: Push = no_push) -> list[ChannelAccount]:
    twilio = TwilioCredentials(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        api_base_url=settings.TWILIO_API_BASE_URL,
    )
    return [
        ChannelAccount("twilio_sms", settings.TWILIO_ACCOUNT_KEY,
                       settings.TWILIO_PHONE_NUMBER, twilio),
        email_account(settings),
        *webchat_accounts(settings, push),
    ] + ([] if settings.production else [console_account(settings)])


def webchat_accounts(settings: Settings, push: Push) -> list[ChannelAccount]:
    """One account per WEBCHAT_ACCOUNTS key; each signs its visitors' sessions with a key
    derived from SECRET_KEY (docs/channels/webchat.md)."""
    accounts = []
    for key in filter(None, (k.strip() for k in settings.WEBCHAT_ACCOUNTS.split(","))):
        secret = hmac.new(settings.SECRET_KEY.encode(), f"webchat-session:{key}".encode(),
                          hashlib.sha256).hexdigest()
        credentials = WebchatCredentials(
            secret=secret, session_max_age=settings.WEBCHAT_SESSION_MAX_AGE_SECONDS, push=push)
        accounts.append(ChannelAccount("webchat", key, key, credentials))
    return accounts


EMAIL_ACCOUNT = "default"


def email_account(settings: Settings) -> ChannelAccount:
    """The mailbox `entraide smtp` stores into. Its ingress secret is derived from
    SECRET_KEY: only that process can sign what it stores (docs/channels/email.md)."""
    secret = hmac.new(settings.SECRET_KEY.encode(), b"email-ingress", hashlib.sha256).hexdigest()
    credentials = EmailCredentials(
        domain=settings.EMAIL_DOMAIN.strip().lower(), from_address=settings.EMAIL_FROM,
        ingress_secret=secret, smtp_host=settings.EMAIL_SMTP_HOST,
        smtp_port=settings.EMAIL_SMTP_PORT, starttls=settings.EMAIL_SMTP_STARTTLS,
        user=settings.EMAIL_SMTP_USER, password=settings.EMAIL_SMTP_PASSWORD,
    )
    return ChannelAccount("email", EMAIL_ACCOUNT, settings.EMAIL_FROM, credentials)


def console_account(settings: Settings) -> ChannelAccount:
    """The demo's provider-less channel; never registered in production. Its key is derived
    from SECRET_KEY, so the session secret itself is never used as a webhook key."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"console-channel", hashlib.sha256).hexdigest()
    return ChannelAccount("console", "demo", "console", key)


def socketio_channel(redis_url: str) -> str:
    """Redis pub/sub channels ignore the DB number: two hubs sharing a Redis server on
    different DBs must not hear each other's pushes, so the DB is part of the channel."""
    db = Redis.from_url(redis_url).connection_pool.connection_kwargs.get("db", 0)
    return f"entraide-socketio-{db}"


def _enqueuer(queue: Queue) -> Any:
    def enqueue(func: str, *args: Any, job_id: str, **opts: Any) -> None:
        try:
            queue.enqueue_call(func, args=args, job_id=job_id, unique=True,
                               **{"failure_ttl": 7 * 86400, **opts})
        except DuplicateJobError:
            log.info("job %s already queued", job_id)
        except RedisError:
            # The row is committed: the reconciler will queue it when Redis is back.
            log.warning("could not queue %s; the sweep will retry", job_id, exc_info=True)

    return enqueue


WAKE_TTL_SECONDS = 30  # a wake whose job was lost is possible again after this


def _waker(queue: Queue, redis: Redis) -> Any:
    """Queue one run of a batch job unless a run is queued and not started yet (the key
    ``wake_key(batch)``, which the run deletes before it claims anything). Many webhooks
    between two runs cost one ``SET NX`` each and one job in all."""
    def wake(batch: str) -> bool:
        key = wake_key(batch)
        try:
            if not redis.set(key, "1", nx=True, ex=WAKE_TTL_SECONDS):
                return False
            queue.enqueue_call(BATCH_JOBS[batch], result_ttl=0, failure_ttl=86400)
            return True
        except RedisError:
            # The rows are committed: the sweep wakes the batch when Redis is back.
            log.warning("could not wake %s; the sweep will", batch, exc_info=True)
            try:
                redis.delete(key)
            except RedisError:
                pass
            return False

    return wake


def _emitter(manager: RedisManager) -> Any:
    def emit(message: dict[str, Any]) -> None:
        try:
            for namespace in namespaces_for(message["room"]):
                manager.emit("event", message, namespace=namespace, room=message["room"])
        except RedisError:
            log.warning("could not emit event %s; clients catch up", message["id"])

    return emit


def _emitter_many(manager: PipelinedRedisManager) -> Any:
    """Many numbered events in one Redis round trip, in order (a routing pass's offers)."""
    def emit_many(messages: list[dict[str, Any]]) -> None:
        try:
            manager.emit_many([("event", message, namespace, message["room"])
                               for message in messages
                               for namespace in namespaces_for(message["room"])])
        except Exception:  # noqa: BLE001 - committed rows: clients catch up
            log.warning("could not emit %s events; clients catch up", len(messages),
                        exc_info=True)

    return emit_many


def _visitor_pusher(manager: RedisManager) -> Push:
    """The web-chat adapter's live connection: the visitor's room on /visitor, through the
    Redis message queue (so workers and every web process reach every visitor).
    RedisManager logs and drops a publish it cannot make; the reply is stored either way."""
    def push(room: str, event: str, data: dict[str, Any]) -> None:
        try:
            manager.emit(event, data, namespace=VISITOR_NAMESPACE, room=room)
        except RedisError as error:
            raise ProviderError(f"could not push to the visitor: {error}",
                                retryable=True) from error

    return push
