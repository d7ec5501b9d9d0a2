"""sec_rate_limits for advisors' sign-in: too many failures → 429 with Retry-After, audited."""

from __future__ import annotations

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.db import transaction
from tests.conftest import with_settings
from tests.personas import PASSWORD, advisor

EMAIL = "camille@example.test"


def csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def sign_in(client, password: str, email: str = EMAIL, address: str = "127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_for_one_email_are_refused_with_429_then_even_the_right_password_waits(
        client, services):
    with transaction(services.sessions) as session:
        advisor(session)
    limit = services.settings.SIGNIN_MAX_FAILURES_PER_EMAIL
    for _ in range(limit):
        assert sign_in(client, "wrong-password").status_code == 401
    refused = sign_in(client, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= services.settings.SIGNIN_WINDOW_SECONDS
    assert "Trop d’échecs de connexion" in refused.get_data(as_text=True)  # DEFAULT_LANGUAGE fr
    with transaction(services.sessions) as session:
        failures = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.signin_failed")).all()
    assert len(failures) == limit
    assert all(entry.details["email"] == EMAIL for entry in failures)


def test_a_success_clears_the_count_for_that_email(client, services):
    with transaction(services.sessions) as session:
        advisor(session)
    limit = services.settings.SIGNIN_MAX_FAILURES_PER_EMAIL
    for _ in range(limit - 1):
        assert sign_in(client, "wrong-password").status_code == 401
    assert sign_in(client, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client)})
    for _ in range(limit - 1):
        assert sign_in(client, "wrong-password").status_code == 401
    assert sign_in(client, PASSWORD).status_code == 302
    with transaction(services.sessions) as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.signin"))


def test_one_address_trying_many_emails_is_stopped(settings, monkeypatch):
    from hub.app import create_app
    from hub.bootstrap import build_services
    from tests.conftest import _clean

    tight = with_settings(settings, SIGNIN_MAX_FAILURES_PER_ADDRESS=5)
    svc = build_services(tight)
    _clean(svc)
    app = create_app(tight, svc)
    app.config["TESTING"] = True
    client = app.test_client()
    for n in range(5):
        assert sign_in(client, "x", email=f"someone{n}@example.test", address="10.0.0.9") \
            .status_code == 401
    assert sign_in(client, "x", email="another@example.test", address="10.0.0.9").status_code \
        == 429
    # another address is not affected
    assert sign_in(client, "x", email="another@example.test", address="10.0.0.10").status_code \
        == 401


def test_redis_down_does_not_lock_advisors_out(client, services, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    with transaction(services.sessions) as session:
        advisor(session)

    def down(*_args, **_kwargs):
        raise RedisConnectionError("redis is down")

    monkeypatch.setattr(services.signin_throttle._redis, "pipeline", down)
    monkeypatch.setattr(services.signin_throttle._redis, "delete", down)
    assert sign_in(client, "wrong-password").status_code == 401
    assert sign_in(client, PASSWORD).status_code == 302

