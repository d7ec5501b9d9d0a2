"""``/chat/…``: the widget's script and words, visitor sessions and history, a demo page.

Public by design (a visitor has no account): every visitor-specific answer needs the
visitor session the hub signed; messages go through ``/hooks/webchat/<account>``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import force_locale
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from hub import ratelimit
from hub.customers.identity_token import IdentityTokenRejected
from hub.customers.visitors import sign_in_visitor
from hub.db import transaction
from hub.domain.errors import SignatureRejected, UnknownChannel
from hub.domain.ports import VISITOR_SESSION_HEADER as SESSION_HEADER
from hub.domain.ports import ChannelAccount, VisitorSessions
from hub.web import db, json_error, services
from hub.webchat.queries import CHANNEL, visitor_history
from hub.webchat.schemas import SessionRequest
from hub.webchat.strings import pick_language, widget_strings

log = logging.getLogger(__name__)
blueprint = Blueprint("webchat", __name__, url_prefix="/chat", template_folder="templates",
                      static_folder="static", static_url_path="/static")


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@blueprint.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    return error.response


def _webchat(account: str) -> tuple[VisitorSessions, ChannelAccount]:
    try:
        adapter = services().channels.adapter(CHANNEL)
        configured = services().channels.account(CHANNEL, account)
    except UnknownChannel as error:
        raise Refused(json_error(404, error.reason)) from None
    assert isinstance(adapter, VisitorSessions)
    return adapter, configured


def _visitor(adapter: VisitorSessions, account: ChannelAccount, token: str | None) -> str:
    try:
        return adapter.visitor_of(token, account)
    except SignatureRejected as error:
        log.warning("web chat %s: session refused: %s", account.key, error.reason)
        raise Refused(json_error(403, error.reason, "session")) from None


@blueprint.get("/demo")
def demo() -> str:
    """A brand's page with the widget embedded, as a brand would (docs/channels/webchat.md);
    ``?lang=en`` shows it in English."""
    accounts = services().channels.accounts_of(CHANNEL)
    lang = pick_language(request.args.get("lang", ""), request.headers.get("Accept-Language", ""))
    with force_locale(lang):
        return render_template("webchat/demo.html", lang=lang,
                               account=accounts[0].key if accounts else "")


@blueprint.get("/<account>/strings")
def strings(account: str) -> Response:
    _webchat(account)
    language = pick_language(request.args.get("lang", ""),
                             request.headers.get("Accept-Language", ""))
    return jsonify(lang=language, strings=widget_strings(language))


@blueprint.post("/<account>/session")
def open_session(account: str) -> Any:
    """A new visitor, or the same visitor again (their session renewed); signed in when
    the brand's identity token is given."""
    adapter, configured = _webchat(account)
    settings = services().settings
    _limit(f"webchat:session:{account}", request.remote_addr or "unknown",
           settings.WEBCHAT_SESSION_LIMIT, 600, "too many chat sessions from this address")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "send a JSON object")
    try:
        asked = SessionRequest().load(body)
    except ValidationError as error:
        log.warning("web chat %s: bad session request: %s", account, error.messages)
        return jsonify(code=400, status="Bad Request", errors=error.messages), 400
    visitor = _visitor(adapter, configured, asked["session"]) if asked["session"] else ""
    visitor = visitor or adapter.new_visitor_id()
    if asked["identity_token"]:
        _sign_in(account, asked, visitor)
    return jsonify(session=adapter.issue_session(configured, visitor), visitor_id=visitor,
                   signed_in=bool(asked["identity_token"]),
                   max_age=settings.WEBCHAT_SESSION_MAX_AGE_SECONDS)


def _limit(scope: str, subject: str, count: int, seconds: int, reason: str) -> None:
    wait = ratelimit.hit(services().redis, scope=scope, subjects=[subject], count=count,
                         seconds=seconds)
    if wait:
        log.warning("web chat: %s (%s)", reason, scope)
        response = json_error(429, f"{reason}: wait {wait} s")
        response.headers["Retry-After"] = str(wait)
        raise Refused(response)


def limit_visitor_messages() -> Response | None:
    """Before ``/hooks/webchat/<account>`` (registered on the app): at most
    WEBCHAT_MESSAGE_LIMIT messages per visitor per minute. A missing or forged session is
    left to the hook, which refuses it."""
    if request.method != "POST" or not request.path.startswith("/hooks/webchat/"):
        return None
    account = request.path.removeprefix("/hooks/webchat/")
    try:
        adapter, configured = _webchat(account)
        visitor = adapter.visitor_of(request.headers.get(SESSION_HEADER), configured)
        _limit(f"webchat:message:{account}", visitor,
               services().settings.WEBCHAT_MESSAGE_LIMIT, 60,
               "too many messages: slow down")
    except SignatureRejected:
        return None
    except Refused as refused:
        return refused.response
    return None


def _sign_in(account: str, asked: dict[str, str], visitor: str) -> None:
    try:
        with transaction(services().sessions) as session:
            sign_in_visitor(session, settings=services().settings, brand=asked["brand"],
                            token=asked["identity_token"], visitor_id=visitor)
    except IdentityTokenRejected as error:
        log.warning("web chat %s: identity token refused: %s", account, error.reason)
        raise Refused(json_error(error.status, error.reason, "identity_token")) from None
    except SQLAlchemyError:
        log.exception("web chat %s: storage unavailable for a sign-in", account)
        raise Refused(json_error(503, "storage unavailable, retry later")) from None


@blueprint.get("/<account>/history")
def history(account: str) -> Response:
    """The visitor's own web-chat messages, oldest first."""
    adapter, configured = _webchat(account)
    visitor = _visitor(adapter, configured, request.headers.get(SESSION_HEADER))
    return jsonify(visitor_id=visitor,
                   messages=visitor_history(db(), account=account, visitor_id=visitor))


def allow_brand_sites(response: Response) -> Response:
    """CORS for the widget on a brand's site: only the origins of WEBCHAT_ORIGINS, only
    the widget's paths; no cookies are involved (the session is a header)."""
    origin = request.headers.get("Origin", "")
    if not origin or not request.path.startswith(("/chat/", "/hooks/webchat/")):
        return response
    allowed = {o.strip() for o in services().settings.WEBCHAT_ORIGINS.split(",") if o.strip()}
    if origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = f"Content-Type, {SESSION_HEADER}"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers.add("Vary", "Origin")
    return response
