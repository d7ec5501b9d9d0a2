"""sec_mass_assignment, for every body the API accepts: unknown fields are refused.

Every request body of the served OpenAPI document must be a schema that refuses
properties it does not declare (marshmallow ``unknown = RAISE``, shown as
``additionalProperties: false``), so ``account_id``, ``owner_id``, ``role``,
``is_certified``… can never ride along. A schema that lets them through fails here;
the per-resource tests (e.g. ``tests/hub/api/test_customers_api.py``) check the rows.
"""

from __future__ import annotations


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def test_every_request_body_refuses_fields_it_does_not_declare(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    bodies = 0
    lax = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue  # "get", and path-level "parameters"
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                schema = _resolve(spec, media["schema"])
                bodies += 1
                if schema.get("additionalProperties") is not False:
                    lax.append(f"{method.upper()} {path}")
    assert bodies > 10  # the walk found the API's bodies
    assert not lax, lax


def test_an_extra_field_is_a_422_naming_it(client, services):
    from hub.auth.models import Role
    from hub.db import transaction
    from tests.personas import advisor

    with transaction(services.sessions) as session:
        camille = advisor(session, role=Role.SUPERVISOR)
    response = client.post("/api/v1/queues", json={"name": "VIP", "owner_id": 1},
                           headers={"Authorization": f"Bearer {camille.token}"})
    assert response.status_code == 422
    assert "owner_id" in str(response.get_json()["errors"])
