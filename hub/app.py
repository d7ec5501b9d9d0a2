"""The web process's composition root: ``create_app(settings)``, and
``create_hooks_app(settings)`` for a process serving the provider hooks alone."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_babel import Babel, get_locale
from flask_login import LoginManager, current_user
from flask_smorest import Api
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from hub.api import (
    attachments,
    canned,
    conversations,
    customer_admin,
    customers,
    events,
    forum,
    health,
    hooks,
    identity_tokens,
    incident_links,
    incidents,
    interaction_html,
    notes,
    offers,
    routing_admin,
    timeline,
    work_items,
    work_lists,
)
from hub.auth.service import user_for_session_id, user_for_token
from hub.bootstrap import Services, build_services, socketio_channel
from hub.forum.pages import init_app as init_forum
from hub.realtime import agent_socket, supervisor_socket, visitor_socket
from hub.realtime.manager import LocalRoomsRedisManager
from hub.settings import Settings
from hub.web import close_db, db, json_error, require_user
from hub.webchat import pages as webchat

log = logging.getLogger(__name__)
LANGUAGES = ("fr", "en")
csrf = CSRFProtect()
login_manager = LoginManager()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    settings = settings or Settings.from_env()
    services = services or build_services(settings)
    app = _base_app(settings, services)
    _init_auth(app)
    _init_api(app)
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    _init_socketio(app, settings, services)
    init_forum(app)  # the public forum at /forum
    for name in filter(None, settings.UI_MODULES.split(",")):
        importlib.import_module(name.strip()).init_app(app)
    return app


def create_hooks_app(settings: Settings | None = None,
                     services: Services | None = None) -> Flask:
    """A web process for the provider hooks alone (``/hooks/…``) and the health check:
    no pages, API, sessions or sockets, so a webhook never waits behind advisors'
    sockets for the GIL (``entraide serve --hooks-only``; docs/operations.md)."""
    settings = settings or Settings.from_env()
    services = services or build_services(settings)
    app = _base_app(settings, services)
    app.config["OPENAPI_URL_PREFIX"] = None  # the API's document is the web process's
    api = Api(app)
    api.register_blueprint(health.blueprint)
    _init_hooks(app)
    return app


def _base_app(settings: Settings, services: Services) -> Flask:
    """What every web process has: configuration, the proxy fix, the request's session,
    JSON errors and the security headers."""
    app = Flask(__name__, template_folder="templates")
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_CHECK_DEFAULT=False,
        API_TITLE="Entraide API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        BABEL_DEFAULT_LOCALE=settings.DEFAULT_LANGUAGE,
        BABEL_TRANSLATION_DIRECTORIES="translations",
    )
    app.extensions["entraide"] = services
    if settings.TRUSTED_PROXIES:
        hops = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.teardown_appcontext(close_db)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.after_request(_security_headers)
    return app


def _init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "pages.login"
    login_manager.user_loader(lambda session_id: user_for_session_id(db(), session_id))
    login_manager.request_loader(_bearer_user)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.before_request(_api_needs_a_user)
    app.register_error_handler(CSRFError, lambda e: json_error(400, e.description, "csrf"))


def _bearer_user(req: Any) -> Any:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    user = user_for_token(db(), token.strip())
    if user is not None:
        g.bearer = True
        if db().dirty:
            db().commit()  # records last_used_at (at most once a minute per token)
    return user


def _check_csrf() -> None:
    """Session-authenticated writes need the CSRF token; provider hooks, the chat
    widget's visitor session (a header, never a cookie) and bearer tokens carry their own
    proof."""
    if request.method in ("GET", "HEAD", "OPTIONS") or \
            request.path.startswith(("/hooks/", "/chat/")):
        return
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    csrf.protect()


# API endpoints anyone may call; every other /api/ endpoint needs a signed-in advisor
# (session or bearer token) before its arguments are even parsed.
PUBLIC_API_ENDPOINTS = frozenset({"health.health", "api-docs.openapi_json"})


def _api_needs_a_user() -> None:
    """Identity first: an anonymous caller gets 401, never a validation error that
    describes the endpoint's schema."""
    if not request.path.startswith("/api/") or request.endpoint in PUBLIC_API_ENDPOINTS:
        return
    if request.endpoint is None:  # 404/405: nothing to describe
        return
    require_user()


def _init_api(app: Flask) -> None:
    api = Api(app)
    app.extensions["entraide.api"] = api
    for module in (events, offers, conversations, customers, customer_admin, timeline,
                   identity_tokens, health, notes, canned, attachments,
                   interaction_html, incident_links):
        api.register_blueprint(module.blueprint)
    api.register_blueprint(routing_admin.queues)
    api.register_blueprint(routing_admin.blueprint)
    api.register_blueprint(work_lists.blueprint)
    api.register_blueprint(work_items.blueprint)
    api.register_blueprint(forum.blueprint)  # forum questions as work, community metrics
    api.register_blueprint(incidents.blueprint)
    _init_hooks(app)
    csrf.exempt(hooks.blueprint)
    app.register_blueprint(webchat.blueprint)  # the web-chat widget (no cookies: no CSRF)
    csrf.exempt(webchat.blueprint)


def _init_hooks(app: Flask) -> None:
    """``/hooks/<channel>/<account>``, with the chat widget's limit and CORS (it posts
    its messages there from the brand's site)."""
    app.register_blueprint(hooks.blueprint)
    app.after_request(webchat.allow_brand_sites)
    app.before_request(webchat.limit_visitor_messages)


def _database_unavailable(error: Exception) -> Any:
    """No connection within DB_POOL_TIMEOUT (the process is saturated) or the database
    is down: a 503 the client may retry, never a 500, and nothing half-done (the
    request's transaction is rolled back at teardown)."""
    log.error("database unavailable for %s %s: %s", request.method, request.path,
              type(error).__name__)
    response = json_error(503, "database unavailable, retry later")
    response.headers["Retry-After"] = "1"
    return response


def _http_error(error: HTTPException) -> Any:
    if request.path.startswith(("/api/", "/hooks/")) or request.is_json:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            body = {"code": status, "status": error.name, "errors": messages}
            return jsonify(body), status
        return json_error(status, error.description or error.name)
    return error


def _init_socketio(app: Flask, settings: Settings, services: Services) -> None:
    origins = [o.strip() for o in settings.SOCKETIO_ORIGINS.split(",") if o.strip()]
    manager = LocalRoomsRedisManager(services.redis_url,
                                     channel=socketio_channel(services.redis_url))
    socketio = SocketIO(
        app,
        client_manager=manager,
        async_mode="threading",
        cors_allowed_origins=origins or None,
        max_http_buffer_size=64 * 1024,
    )
    agent_socket.register(socketio)
    supervisor_socket.register(socketio)
    visitor_socket.register(socketio)
    app.extensions["entraide.socketio"] = socketio


def _locale() -> str | None:
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
