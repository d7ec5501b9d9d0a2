"""The CRM account provider against a CRM stand-in on loopback: answers, cache, timeouts,
outages, garbage, and the circuit breaker that keeps a sick CRM from slowing offers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hub.bootstrap import account_provider
from hub.customers.crm import CrmAccountProvider, CrmConfigError, UrlTemplate, parse_auth_header
from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.events import RealtimeEvent
from hub.sandbox.crm import CrmStandin
from hub.settings import SettingsError
from tests.conftest import run_jobs, settings_env, with_settings
from tests.personas import LEA_PHONE, demo_customers
from tests.workers.helpers import available_advisor, post_signed, sms
from workers import context as worker_context

LEA_ACCOUNT = {
    "subscriptions": [{"plan": "Sosh 100 Go", "monthly_price": "20.99", "status": "active",
                       "started_on": "2024-01-15"}],
    "invoices": [{"number": "F2026-0001", "amount": 20.99, "status": "unpaid",
                  "issued_on": "2026-11-01"}],
    "devices": [{"model": "Fairphone 5", "imei": "352099000000001", "since": "2024-01-15"}],
}
FAILURES = 2  # CRM_BREAKER_FAILURES in these tests


@pytest.fixture(scope="module")
def standin() -> Iterator[CrmStandin]:
    with CrmStandin() as crm:
        yield crm


@pytest.fixture
def crm(standin: CrmStandin) -> CrmStandin:
    standin.reset()
    standin.add_account(LEA_PHONE, LEA_ACCOUNT)
    return standin


@pytest.fixture
def crm_settings(settings, crm):
    return with_settings(settings, ACCOUNT_PROVIDER="crm",
                         CRM_URL_TEMPLATE=crm.url_template("phone"),
                         CRM_AUTH_HEADER=crm.auth_header, CRM_TIMEOUT_SECONDS=0.3,
                         CRM_CACHE_TTL_SECONDS=60, CRM_BREAKER_FAILURES=FAILURES,
                         CRM_BREAKER_OPEN_SECONDS=1)


@pytest.fixture
def provider(services, crm_settings) -> CrmAccountProvider:
    return account_provider(crm_settings, services.sessions, services.redis)


@pytest.fixture
def lea(services) -> int:
    with transaction(services.sessions) as session:
        demo_customers(session)
        return session.scalar(select(Identity.customer_id).where(Identity.address == LEA_PHONE))


def test_the_crm_account_is_fetched_with_the_auth_header_and_shaped_like_the_sql_one(
        provider, crm, lea):
    summary = provider.summary(lea)

    assert summary["available"] is True and summary["source"] == "crm"
    assert summary["subscriptions"][0] == {"plan": "Sosh 100 Go", "monthly_price": "20.99",
                                           "status": "active", "started_on": "2024-01-15"}
    assert summary["invoices"][0]["amount"] == "20.99"
    assert summary["devices"] == [{"model": "Fairphone 5", "imei": "***********0001",
                                   "since": "2024-01-15"}]
    assert summary["orders"] == [] and summary["cases"] == []
    assert crm.paths == ["/api/customers/%2B33612345678/account"]


def test_a_second_look_within_the_ttl_comes_from_the_cache(provider, crm, lea):
    first = provider.summary(lea)
    second = provider.summary(lea)
    assert first == second
    assert crm.requests == 1
    provider.forget(lea)
    provider.summary(lea)
    assert crm.requests == 2


def test_a_slow_crm_times_out_then_the_breaker_opens_and_stops_calling(provider, crm, lea):
    crm.delay = 2  # seconds; the hub waits 0.3
    for _ in range(FAILURES):
        assert provider.summary(lea) == {"available": False, "reason": "crm timeout"}
    assert provider.breaker.state() == "open"
    seen = crm.requests

    assert provider.summary(lea) == {"available": False, "reason": "crm circuit open"}
    assert crm.requests == seen  # while open, the CRM gets nothing


def test_a_crm_that_is_down_is_unavailable_and_nothing_is_cached(provider, crm, lea):
    crm.mode = "down"
    assert provider.summary(lea) == {"available": False, "reason": "crm answered 500"}
    crm.mode = "ok"
    assert provider.summary(lea)["available"] is True
    assert crm.requests == 2


@pytest.mark.parametrize("mode, reason", [("malformed", "crm answer is not json"),
                                          ("invalid", "crm answer invalid")])
def test_garbage_from_the_crm_is_unavailable(provider, crm, lea, mode, reason):
    crm.mode = mode
    assert provider.summary(lea) == {"available": False, "reason": reason}


def test_a_wrong_auth_header_is_a_failure_the_breaker_counts(services, crm_settings, crm, lea):
    wrong = with_settings(crm_settings, CRM_AUTH_HEADER="Authorization: Bearer nope")
    provider = account_provider(wrong, services.sessions, services.redis)
    assert provider.summary(lea) == {"available": False, "reason": "crm answered 401"}


def test_after_the_open_period_one_probe_closes_the_breaker_when_the_crm_is_back(
        provider, crm, lea):
    crm.mode = "down"
    for _ in range(FAILURES):
        provider.summary(lea)
    assert provider.breaker.state() == "open"
    crm.mode = "ok"
    time.sleep(1.2)  # CRM_BREAKER_OPEN_SECONDS = 1
    assert provider.breaker.state() == "half-open"

    assert provider.summary(lea)["available"] is True
    assert provider.breaker.state() == "closed"


def test_a_failed_probe_opens_the_breaker_again_at_once(provider, crm, lea):
    crm.mode = "down"
    for _ in range(FAILURES):
        provider.summary(lea)
    time.sleep(1.2)
    assert provider.summary(lea)["reason"] == "crm answered 500"  # the probe
    assert provider.breaker.state() == "open"
    assert provider.summary(lea)["reason"] == "crm circuit open"
    assert crm.requests == FAILURES + 1


def test_the_breaker_is_shared_by_every_provider_on_the_same_redis(
        services, crm_settings, crm, lea):
    crm.mode = "down"
    first = account_provider(crm_settings, services.sessions, services.redis)
    for _ in range(FAILURES):
        first.summary(lea)
    other_process = account_provider(crm_settings, services.sessions, services.redis)
    assert other_process.summary(lea)["reason"] == "crm circuit open"
    assert crm.requests == FAILURES


def test_an_unknown_customer_and_a_customer_without_the_identity(provider, crm, services):
    with transaction(services.sessions) as session:
        nobody = Customer(display_name="Inconnu")
        known_elsewhere = Customer(display_name="Sans fiche")
        session.add_all([nobody, known_elsewhere])
        session.flush()
        session.add(Identity(customer_id=known_elsewhere.id, kind="phone", address="+33600000009"))
        ids = nobody.id, known_elsewhere.id
    assert provider.summary(ids[0]) == {"available": False, "reason": "no crm identity"}
    assert provider.summary(ids[1]) == {"available": False, "reason": "not found in the crm"}
    assert crm.requests == 1
    assert provider.breaker.state() == "closed"  # a 404 is a healthy answer


def test_the_external_id_placeholder_uses_the_crm_identity_percent_encoded(
        services, crm_settings, crm):
    with transaction(services.sessions) as session:
        customer = Customer(display_name="Client CRM")
        session.add(customer)
        session.flush()
        session.add(Identity(customer_id=customer.id, kind="crm", address="C 42/../../admin?x"))
        customer_id = customer.id
    settings = with_settings(crm_settings, CRM_URL_TEMPLATE=crm.url_template("external_id"))
    provider = account_provider(settings, services.sessions, services.redis)

    assert provider.summary(customer_id)["reason"] == "not found in the crm"
    assert crm.paths == ["/api/customers/C%2042%2F..%2F..%2Fadmin%3Fx/account"]


@pytest.mark.parametrize("template", [
    "ftp://crm.example/{phone}", "file:///etc/{phone}", "https://{phone}.crm.example/a",
    "https://crm.example/a", "https://crm.example/{name}", "https://crm.example/{phone!r}",
    "https://crm.example/{phone}/{email}", "crm.example/{phone}", "https://crm.example/{phone",
])
def test_unusable_url_templates_are_refused_at_start(template):
    with pytest.raises(CrmConfigError):
        UrlTemplate(template)


def test_a_bad_setting_stops_the_process_with_a_settings_error(services, crm_settings):
    for bad in ({"CRM_URL_TEMPLATE": ""}, {"CRM_AUTH_HEADER": "no colon"},
                {"ACCOUNT_PROVIDER": "ldap"}, {"CRM_BREAKER_FAILURES": 0}):
        with pytest.raises(SettingsError):
            account_provider(with_settings(crm_settings, **bad), services.sessions,
                             services.redis)


def test_auth_headers_are_parsed_and_refused_when_they_could_inject():
    assert parse_auth_header("X-Api-Key:  s3cret ") == {"X-Api-Key": "s3cret"}
    assert parse_auth_header("") == {}
    with pytest.raises(CrmConfigError):
        parse_auth_header("X-Api-Key: a\r\nX-Evil: 1")


def test_the_offer_carries_account_unavailable_when_the_crm_is_down(
        client, services, crm_settings, crm, monkeypatch, db_session):
    """End to end: Léa texts, the worker (using the CRM provider) offers the work to
    Camille; the CRM is down, the offer still goes out, with the account unavailable."""
    for name, value in settings_env(crm_settings).items():
        monkeypatch.setenv(name, value)
    worker_context.services.cache_clear()
    with transaction(services.sessions) as session:
        demo_customers(session)
    available_advisor(services)
    crm.mode = "down"

    post_signed(client, sms("Ma facture ?"))
    run_jobs(services)

    event = db_session.scalar(select(RealtimeEvent).where(RealtimeEvent.name == "offer.created"))
    assert event is not None
    assert event.payload["account"] == {"available": False, "reason": "crm answered 500"}
    assert event.payload["customer"]["name"] == "Léa Dubois"
    worker_context.services().engine.dispose()
    worker_context.services.cache_clear()


def test_crm_settings_come_from_the_environment_and_production_wants_https():
    from hub.settings import Settings
    from tests.hub.test_settings import PRODUCTION

    env = {"ACCOUNT_PROVIDER": "crm", "CRM_TIMEOUT_SECONDS": "0.5",
           "CRM_URL_TEMPLATE": "http://crm.internal/api/customers/{external_id}/account"}
    assert Settings.from_env(env).CRM_TIMEOUT_SECONDS == 0.5
    with pytest.raises(SettingsError, match="CRM_URL_TEMPLATE"):
        Settings.from_env({**PRODUCTION, **env})
    secure = {**env, "CRM_URL_TEMPLATE": "https://crm.example/api/customers/{external_id}/account"}
    assert Settings.from_env({**PRODUCTION, **secure}).ACCOUNT_PROVIDER == "crm"
