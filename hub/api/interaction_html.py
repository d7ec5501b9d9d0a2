"""``GET /api/v1/interactions/<id>/html``: an email's HTML part, for a sandboxed frame.

The markup was sanitized at ingest (channels/email/markup.py). This answer is a second
wall: a CSP of its own that allows no script, no connection and no remote image
(``default-src 'none'``; inline styles and ``data:`` images only), the ``sandbox``
directive (the document runs in an opaque origin even if opened outside the frame), and
framing by the hub's own pages only. The inbox shows it in an
``<iframe sandbox="allow-popups allow-popups-to-escape-sandbox">`` (no scripts, no same
origin): links open in a new tab, nothing else leaves the frame.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from hub.access import AccessDenied, access_customer
from hub.timeline.models import Interaction
from hub.web import db, json_error, require_user

FRAME_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
PAGE = ('<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        '<style>body{font-family:sans-serif;margin:.5rem;overflow-wrap:anywhere}'
        'img{max-width:100%;height:auto}</style></head><body>{}</body></html>')

blueprint = Blueprint("interaction_html", __name__, url_prefix="/api/v1/interactions",
                      description="An email's sanitized HTML part, for a sandboxed frame")


@blueprint.route("/<int:interaction_id>/html")
@blueprint.response(200, content_type="text/html")
def show(interaction_id: int) -> Any:
    """The sanitized HTML document; 404 when there is none or the caller may not see it."""
    user, session = require_user(), db()
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        return json_error(404, "no such message")
    try:
        access_customer(session, user=user, customer_id=interaction.customer_id)
    except AccessDenied:
        return json_error(404, "no such message")
    if interaction.html is None:
        return json_error(404, "this message has no HTML part")
    # nh3's output, stored at ingest: safe HTML, and served under FRAME_CSP
    body = PAGE.replace("{}", interaction.html)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
