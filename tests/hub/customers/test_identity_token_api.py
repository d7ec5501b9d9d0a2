"""``POST /api/v1/identity-tokens/check``: the claims, or a 4xx naming the reason."""

from __future__ import annotations

import time

import pytest

from hub.auth.models import Role
from hub.customers.identity_token import sign_identity_token
from hub.db import transaction
from tests.conftest import with_settings
from tests.personas import advisor

SECRET = "brand-secret-0123456789abcdef-0123456789"


@pytest.fixture
def settings(settings):
    return with_settings(settings, CHAT_IDENTITY_SECRETS=f"demo={SECRET}")


@pytest.fixture
def people(services):
    with transaction(services.sessions) as session:
        boss = advisor(session, email="sam@example.test", role=Role.SUPERVISOR, queue=False)
        camille = advisor(session)
    return {"boss": boss.token, "camille": camille.token}


def check(client, token: str, body: dict) -> object:
    return client.post("/api/v1/identity-tokens/check", json=body,
                       headers={"Authorization": f"Bearer {token}"})


def signed(secret: str = SECRET, **claims: object) -> str:
    return sign_identity_token({"sub": "client-1001", "exp": int(time.time()) + 300,
                                **claims}, secret)


def test_a_good_token_shows_its_claims(client, people):
    response = check(client, people["boss"], {"brand": "demo",
                                              "token": signed(email="lea@example.fr")})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"brand": "demo", "sub": "client-1001",
                                   "email": "lea@example.fr", "phone": "", "name": ""}


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"brand": "demo", "token": signed(secret="a-guess-" * 5)}, 401, "bad signature"),
    ({"brand": "demo", "token": signed(exp=int(time.time()) - 5)}, 401, "expired"),
    ({"brand": "demo", "token": "not-a-token"}, 400, "malformed"),
    ({"brand": "shop", "token": signed()}, 400, "unknown brand"),
])
def test_a_bad_token_is_a_4xx_with_the_reason(client, people, body, status, reason):
    response = check(client, people["boss"], body)
    assert response.status_code == status
    assert reason in response.get_json()["errors"]["token"][0]


def test_a_missing_field_is_a_422_naming_it(client, people):
    response = check(client, people["boss"], {"brand": "demo"})
    assert response.status_code == 422
    assert "token" in response.get_json()["errors"]["json"]


def test_only_supervisors_check_tokens(client, people):
    assert check(client, people["camille"], {"brand": "demo",
                                             "token": signed()}).status_code == 403
    assert client.post("/api/v1/identity-tokens/check",
                       json={"brand": "demo", "token": signed()}).status_code in (400, 401)
