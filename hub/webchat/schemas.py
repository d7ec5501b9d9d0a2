"""What the widget may send the hub."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class SessionRequest(Schema):
    """Open (or renew) a visitor session; sign the visitor in when the brand's site gave
    the widget an identity token (docs/identity.md)."""

    session = fields.String(load_default="", validate=validate.Length(max=600))
    brand = fields.String(load_default="", validate=validate.Length(max=40))
    identity_token = fields.String(load_default="", validate=validate.Length(max=4000))
