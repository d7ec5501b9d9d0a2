"""A saturated connection pool or a database that is down: a 503 the client may retry,
never a 500 (docs/configuration.md, DB_POOL_TIMEOUT)."""

from __future__ import annotations

from hub.app import create_app
from hub.bootstrap import build_services
from hub.db import transaction
from tests.conftest import with_settings
from tests.personas import advisor


def test_a_request_that_gets_no_connection_is_a_503(services, settings, caplog) -> None:
    with transaction(services.sessions) as session:
        camille = advisor(session)
    tight = with_settings(settings, DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=1)
    svc = build_services(tight)
    app = create_app(tight, svc)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {camille.token}"}
    try:
        assert client.get("/api/v1/work-items?list=mine", headers=headers).status_code == 200
        with svc.engine.connect():  # the only connection of the pool is busy
            response = client.get("/api/v1/work-items?list=mine", headers=headers)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.get_json()["errors"] == {"_": ["database unavailable, retry later"]}
        assert "database unavailable for GET /api/v1/work-items" in caplog.text
        # the pool recovers: the next request is served
        assert client.get("/api/v1/work-items?list=mine", headers=headers).status_code == 200
    finally:
        svc.engine.dispose()


def test_a_database_that_is_down_is_a_503(services, settings) -> None:
    with transaction(services.sessions) as session:
        camille = advisor(session)
    down = with_settings(settings, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test")
    svc = build_services(down)
    client = create_app(down, svc).test_client()
    try:
        response = client.get("/api/v1/work-items?list=mine",
                              headers={"Authorization": f"Bearer {camille.token}"})
        assert response.status_code == 503
    finally:
        svc.engine.dispose()
