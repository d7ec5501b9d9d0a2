"""``GET /api/v1/health``: can this process reach its database and Redis?"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.api.schemas import HealthOut
from hub.web import db, services

blueprint = Blueprint("health", __name__, url_prefix="/api/v1/health",
                      description="Liveness of dependencies")


@blueprint.route("")
@blueprint.response(200, HealthOut)
def health() -> Any:
    result = {"database": "ok", "redis": "ok"}
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError:
        result["database"] = "down"
    try:
        services().redis.ping()
    except RedisError:
        result["redis"] = "down"
    status = 200 if set(result.values()) == {"ok"} else 503
    return result, status
