"""``POST /api/v1/identity-tokens/check``: a brand's developers check the web-chat
identity tokens their site signs (docs/identity.md) before going live. Nothing is
stored and no customer is touched; supervisors and admins only."""

from __future__ import annotations

import logging
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from hub.customers.identity_token import (
    IdentityTokenRejected,
    brand_secrets,
    verify_identity_token,
)
from hub.web import json_error, require_user, services

log = logging.getLogger(__name__)
blueprint = Blueprint("identity_tokens", __name__, url_prefix="/api/v1/identity-tokens",
                      description="Web-chat identity tokens signed by a brand's site")


class TokenCheckIn(Schema):
    brand = fields.String(required=True, validate=validate.Length(min=1, max=40))
    token = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class TokenClaimsOut(Schema):
    brand = fields.String()
    sub = fields.String(metadata={"description": "the brand's user id"})
    email = fields.String()
    phone = fields.String()
    name = fields.String()


@blueprint.route("/check", methods=["POST"])
@blueprint.arguments(TokenCheckIn)
@blueprint.response(200, TokenClaimsOut)
def check(body: dict[str, Any]) -> Any:
    """The claims the hub would accept, or 400 (malformed, unknown brand) / 401 (forged,
    expired) with the reason under ``errors.token``."""
    user = require_user()
    if not user.is_supervisor:
        return json_error(403, "checking identity tokens is for supervisors and admins")
    settings = services().settings
    try:
        claims = verify_identity_token(
            body["token"], brand=body["brand"],
            secrets=brand_secrets(settings.CHAT_IDENTITY_SECRETS),
            max_lifetime_seconds=settings.CHAT_TOKEN_MAX_LIFETIME_SECONDS)
    except IdentityTokenRejected as error:
        log.info("identity token refused for brand %r: %s", body["brand"][:40], error.reason)
        return json_error(error.status, error.reason, "token")
    return {"brand": claims.brand, "sub": claims.subject, "email": claims.email,
            "phone": claims.phone, "name": claims.name}
