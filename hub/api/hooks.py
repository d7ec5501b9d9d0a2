"""``/hooks/<channel>/<account>``: the one inbound path for every provider.

verify → store (unique key) → commit → acknowledge; the job is queued after commit.
A 2xx means "durably stored"; when the database is down the provider gets a fast 503
and retries.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from hub.db import transaction
from hub.domain.errors import BadPayload, SignatureRejected, UnknownChannel
from hub.domain.messages import RawRequest, RawResponse
from hub.intake.service import store_event
from hub.web import json_error, services

log = logging.getLogger(__name__)
blueprint = Blueprint("hooks", __name__)


@blueprint.route("/hooks/<channel>/<account>", methods=["GET", "POST"])
def receive(channel: str, account: str) -> Response:
    svc = services()
    try:
        adapter = svc.channels.adapter(channel)
        configured = svc.channels.account(channel, account)
    except UnknownChannel as error:
        log.warning("hook refused: %s", error.reason)
        return json_error(404, error.reason)
    req = raw_request()
    try:
        answer = adapter.handshake(req, configured)
        if answer is not None:
            return to_response(answer)
        if request.method != "POST":
            return json_error(405, "this hook accepts POST")
        adapter.verify(req, configured)
        key = adapter.event_key(req)
        is_status = adapter.is_status(req)
    except SignatureRejected as error:
        log.warning("hook %s/%s rejected: %s", channel, account, error.reason)
        return json_error(403, error.reason)
    except BadPayload as error:
        log.warning("hook %s/%s bad payload: %s", channel, account, error.reason)
        return json_error(400, error.reason)
    try:
        with transaction(svc.sessions) as session:
            _event_id, created = store_event(session, channel=channel, account=account, key=key,
                                          is_status=is_status, req=req)
    except SQLAlchemyError:
        log.exception("hook %s/%s: storage unavailable", channel, account)
        return json_error(503, "storage unavailable, retry later")
    if not created:
        log.info("hook %s/%s: duplicate %s acknowledged", channel, account, key)
    return to_response(adapter.ack(req))


def raw_request() -> RawRequest:
    """The request as the provider signed it: the public URL, not the one we were hit on."""
    body = request.get_data(cache=True)
    query = request.query_string.decode("latin-1")
    url = services().settings.public_url + request.path + (f"?{query}" if query else "")
    return RawRequest(
        method=request.method,
        url=url,
        headers={k: v for k, v in request.headers.items()},
        form=tuple(request.form.items(multi=True)),
        query=tuple(request.args.items(multi=True)),
        body=body,
    )


def to_response(answer: RawResponse) -> Response:
    return Response(answer.body, status=answer.status, content_type=answer.content_type)
