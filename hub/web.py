"""Request-scoped access to the services and the database session, for HTTP and sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import abort, current_app, g, jsonify, make_response
from flask_login import current_user
from sqlalchemy.orm import Session

from hub.auth.models import User

if TYPE_CHECKING:
    from hub.bootstrap import Services


def services() -> Services:
    return current_app.extensions["entraide"]


def db() -> Session:
    """The request's session; closed (never committed) at teardown."""
    if "db" not in g:
        g.db = services().sessions()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def require_user() -> User:
    """The authenticated advisor (session cookie or bearer token), else a 401."""
    if not current_user.is_authenticated:
        abort(json_error(401, "authentication required"))
    user = db().get(User, current_user.id)
    if user is None or not user.active:
        abort(json_error(401, "authentication required"))
    return user


def json_error(status: int, message: str, field: str = "_") -> Any:
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity",
             429: "Too Many Requests", 503: "Service Unavailable"}
    body = {"code": status, "status": names.get(status, ""), "errors": {field: [message]}}
    return make_response(jsonify(body), status)
