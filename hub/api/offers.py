"""Accept or decline an offer (the socket offers the same through ``accept``/``decline``)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.schemas import OfferAnswerOut
from hub.domain.errors import NotAllowed
from hub.routing.service import accept_offer, decline_offer
from hub.web import db, json_error, require_user, services

blueprint = Blueprint("offers", __name__, url_prefix="/api/v1/offers",
                      description="Offers of work to advisors")


@blueprint.route("/<int:offer_id>/accept", methods=["POST"])
@blueprint.response(200, OfferAnswerOut)
def accept(offer_id: int) -> Any:
    user = require_user()
    session = db()
    try:
        item = accept_offer(session, ctx=services().routing, offer_id=offer_id, user=user)
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason, "offer_id")
    return {"offer_id": offer_id, "state": "accepted", "conversation_id": item.conversation_id}


@blueprint.route("/<int:offer_id>/decline", methods=["POST"])
@blueprint.response(200, OfferAnswerOut)
def decline(offer_id: int) -> Any:
    user = require_user()
    session = db()
    try:
        decline_offer(session, ctx=services().routing, offer_id=offer_id, user=user)
        session.commit()
    except NotAllowed as error:
        session.rollback()
        return json_error(409, error.reason, "offer_id")
    return {"offer_id": offer_id, "state": "declined", "conversation_id": None}
