"""``GET /api/v1/attachments/<id>``: a stored attachment, for advisors who see its customer.

Images the browser can show safely are served inline; anything else as a download. Every
answer is ``nosniff`` with a ``sandbox`` CSP, so an SVG or HTML file never runs."""

from __future__ import annotations

from typing import Any

from flask import send_file
from flask_smorest import Blueprint

from hub.access import AccessDenied, access_customer
from hub.timeline.models import Attachment, Interaction
from hub.web import db, json_error, require_user, services

INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp"}
blueprint = Blueprint("attachments", __name__, url_prefix="/api/v1/attachments",
                      description="Stored attachments (MMS images…)")


@blueprint.route("/<int:attachment_id>")
@blueprint.response(200, content_type="application/octet-stream")
def show(attachment_id: int) -> Any:
    """The file; 404 when not stored yet or not the caller's to see."""
    user, session = require_user(), db()
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return json_error(404, "no such attachment")
    interaction = session.get(Interaction, attachment.interaction_id)
    assert interaction is not None
    try:
        access_customer(session, user=user, customer_id=interaction.customer_id)
    except AccessDenied:
        return json_error(404, "no such attachment")
    folder = services().settings.data_path / "attachments"
    path = folder / attachment.storage_key
    if attachment.state != "stored" or not attachment.storage_key \
            or path.parent != folder or not path.is_file():
        return json_error(404, "the attachment is not stored (yet)")
    inline = attachment.content_type in INLINE
    response = send_file(path, mimetype=attachment.content_type if inline
                         else "application/octet-stream",
                         as_attachment=not inline,
                         download_name=attachment.filename or f"attachment-{attachment.id}")
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
