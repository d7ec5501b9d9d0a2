"""Local stand-in for the parts of Twilio's REST API that Entraide uses.

``TwilioStandin`` serves a small werkzeug WSGI app on ``127.0.0.1`` (free port, background
thread) that speaks the Programmable Messaging API the way api.twilio.com does:

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: basic auth, Twilio's validation
  errors, a Message resource with status ``queued`` (or ``accepted`` when only a
  ``MessagingServiceSid`` is given, as Twilio does); every accepted message is recorded
  in ``standin.messages`` as a ``SentMessage``.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json``: the recorded message.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{MMsid}/Media/{MEsid}``: media added with
  ``add_media`` (basic auth required, as when Twilio's "HTTP basic auth for media" is on).

Errors use Twilio's legacy JSON shape ``{"code", "message", "more_info", "status"}`` so that
the real client raises ``TwilioRestException`` with ``.status`` and ``.code`` set.

Pointing the real ``twilio`` client at the stand-in (checked against twilio 9.13)::

    client = twilio.rest.Client(account_sid, auth_token)
    client.api.base_url = standin.base_url      # "http://127.0.0.1:PORT"
    client.messages.create(to=..., from_=..., body=...)

``client.messages`` is ``client.api.account.messages``; every request built from the cached
``client.api`` domain uses ``client.api.base_url``.  One trap: when ``region``/``edge`` (or
``TWILIO_REGION``/``TWILIO_EDGE`` in the environment) are set, ``ClientBase.get_hostname``
rewrites the host of every URL and mangles ``127.0.0.1``; set ``client.region = None`` and
``client.edge = None`` too.  ``standin.attach(client)`` does all of this and
``standin.make_client()`` builds an attached client.

Module helpers reproduce what Twilio sends *to* the hub: ``sign_and_post`` (a webhook signed
with ``X-Twilio-Signature``), ``inbound_sms_params`` (the inbound SMS/MMS form fields) and
``TwilioStandin.send_status_callback`` (a message status callback).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any

import phonenumbers
import requests
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_VERSION = "2010-04-01"
ERROR_DOCS = "https://www.twilio.com/docs/errors"
MAX_BODY_CHARS = 1600
DEFAULT_DELIVERY_ERROR = "30003"
FAILED_STATUSES = frozenset({"failed", "undelivered"})
SENT_STATUSES = frozenset({"sent", "delivered", "undelivered", "read"})
ERROR_CODES = {401: 20003, 404: 20404, 405: 20004}
POLL_INTERVAL = 0.05  # seconds; bounds how long stop() waits for the serving thread

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"

Params = Mapping[str, str] | Sequence[tuple[str, str]]
WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class SentMessage:
    """A message accepted by ``POST .../Messages.json``."""

    sid: str
    to: str
    from_: str | None
    body: str
    media_urls: list[str]
    status_callback: str | None
    account_sid: str = ""
    messaging_service_sid: str | None = None
    status: str = "queued"
    date_created: str = ""
    date_updated: str = ""
    date_sent: str | None = None
    error_code: int | None = None
    params: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Media:
    content: bytes
    content_type: str


# --- small pure helpers -------------------------------------------------------------------


def new_sid(prefix: str) -> str:
    """A Twilio-style sid: two-letter prefix plus 32 lowercase hex characters."""
    return prefix + uuid.uuid4().hex


def rfc2822_now() -> str:
    """The current time formatted as Twilio formats dates: ``Tue, 05 Aug 2025 10:00:00 +0000``."""
    return format_datetime(datetime.now(UTC).replace(microsecond=0))


def count_segments(body: str) -> int:
    """Number of SMS segments for ``body`` (GSM-7: 160/153 units, otherwise UCS-2: 70/67)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def error_payload(status: int, code: int | None = None, message: str | None = None) -> dict:
    """Twilio's legacy error body; ``code`` defaults to Twilio's 20xxx code for the status."""
    code = code or ERROR_CODES.get(status, 20000 + status)
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = "Error"
    return {"code": code, "message": message, "more_info": f"{ERROR_DOCS}/{code}", "status": status}


def json_response(payload: Mapping[str, Any], status: int) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def error_response(status: int, code: int | None = None, message: str | None = None) -> Response:
    return json_response(error_payload(status, code, message), status)


def unauthorized() -> Response:
    response = error_response(401, 20003, "Authenticate")
    response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def not_found(path: str) -> Response:
    return error_response(404, 20404, f"The requested resource {path} was not found")


def _is_channel_address(address: str) -> bool:
    prefix, sep, rest = address.partition(":")
    return bool(sep and prefix.isalpha() and rest)


def _is_e164(number: str) -> bool:
    digits = number[1:]
    return number.startswith("+") and digits.isdigit() and 2 <= len(digits) <= 15


def validate_create(form: MultiDict) -> Response | None:
    """Twilio's checks on a Message create request; an error response or ``None``."""
    to = form.get("To", "")
    if not to:
        return error_response(400, 21604, "A 'To' phone number is required.")
    if not (_is_e164(to) or _is_channel_address(to)):
        return error_response(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return error_response(400, 21603, "A 'From' phone number is required.")
    if not form.get("Body") and not form.getlist("MediaUrl") and not form.get("ContentSid"):
        return error_response(400, 21602, "Message body is required.")
    if len(form.get("Body", "")) > MAX_BODY_CHARS:
        message = "The concatenated message body exceeds the 1600 character limit."
        return error_response(400, 21617, message)
    return None


def message_from_form(form: MultiDict, account_sid: str) -> SentMessage:
    now = rfc2822_now()
    service_sid = form.get("MessagingServiceSid") or None
    return SentMessage(
        sid=new_sid("SM"),
        to=form["To"],
        from_=form.get("From") or None,
        body=form.get("Body", ""),
        media_urls=form.getlist("MediaUrl"),
        status_callback=form.get("StatusCallback") or None,
        account_sid=account_sid,
        messaging_service_sid=service_sid,
        status="accepted" if service_sid else "queued",
        date_created=now,
        date_updated=now,
        params=form.to_dict(flat=False),
    )


def message_uri(message: SentMessage) -> str:
    return f"/{API_VERSION}/Accounts/{message.account_sid}/Messages/{message.sid}"


def message_resource(message: SentMessage) -> dict[str, Any]:
    """The JSON body Twilio returns for a Message resource."""
    uri = message_uri(message)
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": message.date_created,
        "date_sent": message.date_sent,
        "date_updated": message.date_updated,
        "direction": "outbound-api",
        "error_code": message.error_code,
        "error_message": None,
        "from": message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(len(message.media_urls)),
        "num_segments": str(count_segments(message.body)),
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {
            "media": f"{uri}/Media.json",
            "feedback": f"{uri}/Feedback.json",
        },
        "to": message.to,
        "uri": f"{uri}.json",
    }


def status_callback_params(message: SentMessage, status: str) -> dict[str, str]:
    """The form fields of Twilio's message status callback, in the order Twilio sends them."""
    params = {
        "SmsSid": message.sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": message.to,
        "MessageSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_ or "",
        "ApiVersion": API_VERSION,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if status in FAILED_STATUSES:
        params["ErrorCode"] = DEFAULT_DELIVERY_ERROR
    return params


def mark_status(message: SentMessage, status: str, error_code: str | None, now: str) -> None:
    message.status = status
    message.date_updated = now
    if status in SENT_STATUSES and message.date_sent is None:
        message.date_sent = now
    if status in FAILED_STATUSES and error_code:
        message.error_code = int(error_code)


# --- what Twilio sends to the hub ----------------------------------------------------------


def _as_pairs(params: Params) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(name), str(value)) for name, value in items]


def twilio_signature(url: str, params: Params, auth_token: str) -> str:
    """``X-Twilio-Signature`` for a form POST to ``url`` (the public URL Twilio called)."""
    form = MultiDict(_as_pairs(params))
    return RequestValidator(auth_token).compute_signature(url, form)


def sign_and_post(
    url: str,
    params: Params,
    auth_token: str,
    *,
    post_url: str | None = None,
    timeout: float = 10,
) -> requests.Response:
    """POST ``params`` form-encoded like a Twilio webhook, signed for ``url``.

    The signature covers ``url`` (what Twilio believes it called, e.g. the public https URL);
    the request actually goes to ``post_url`` when given (e.g. the local test server).
    """
    pairs = _as_pairs(params)
    headers = {
        "X-Twilio-Signature": twilio_signature(url, pairs, auth_token),
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        "X-Home-Region": "us1",
    }
    return requests.post(post_url or url, data=pairs, headers=headers, timeout=timeout)


def _country_of(address: str) -> str:
    number = address.rpartition(":")[2]
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_number(parsed)
    region = region or phonenumbers.region_code_for_country_code(parsed.country_code)
    return "" if region in (None, "ZZ") else region


def inbound_sms_params(
    *,
    from_: str,
    to: str,
    body: str,
    account_sid: str,
    media: list[tuple[str, str]] | None = None,
    message_sid: str | None = None,
) -> dict[str, str]:
    """The form Twilio POSTs to a number's messaging webhook for an inbound SMS/MMS.

    ``media`` is a list of ``(url, content_type)``; the sid starts ``MM`` when media is present
    and ``SM`` otherwise.  ``MessagingServiceSid`` is omitted (the number is not in a service).
    Geographic fields carry the ISO country derived from the number; city/state/zip are empty,
    as Twilio sends them when it does not know them.
    """
    media = media or []
    sid = message_sid or new_sid("MM" if media else "SM")
    params = {
        "ToCountry": _country_of(to),
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": _country_of(from_),
        "To": to,
        "ToZip": "",
        "NumSegments": str(count_segments(body)),
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaContentType{index}"] = content_type
        params[f"MediaUrl{index}"] = url
    return params


# --- the server ---------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log(self, kind: str, message: str, *args: Any) -> None:
        """Keep test output clean: no access log."""


def _routes() -> Map:
    prefix = f"/{API_VERSION}/Accounts/<account_sid>/Messages"
    return Map(
        [
            Rule(f"{prefix}.json", methods=["POST"], endpoint="create"),
            Rule(f"{prefix}/<message_sid>.json", methods=["GET"], endpoint="fetch"),
            Rule(f"{prefix}/<message_sid>/Media/<media_sid>", methods=["GET"], endpoint="media"),
        ]
    )


class TwilioStandin:
    """A local Twilio REST API for one account; see the module docstring."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = ""
        self.port = 0
        self.create_attempts = 0
        self.media_fetches = 0
        self._cond = threading.Condition()
        self._messages: list[SentMessage] = []
        self._failures: deque[tuple[int, int | None, str | None]] = deque()
        self._delays: deque[float] = deque()
        self._media: dict[tuple[str, str], _Media] = {}
        self._url_map = _routes()
        self._handlers: dict[str, Callable[..., Response]] = {
            "create": self._create_message,
            "fetch": self._fetch_message,
            "media": self._fetch_media,
        }
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        # Called in a thread for each accepted message (the demo uses it to send
        # "sent" then "delivered" callbacks like Twilio does).
        self.on_message: Callable[[SentMessage], None] | None = None

    # lifecycle

    def start(self) -> TwilioStandin:
        if self._server is not None:
            return self
        server = make_server(
            "127.0.0.1", 0, self._wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self.port = server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, args=(POLL_INTERVAL,), name="twilio-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> TwilioStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # client wiring

    def attach(self, client: Client) -> Client:
        """Point a real ``twilio.rest.Client`` at this stand-in (see module docstring)."""
        client.api.base_url = self._require_started()
        client.region = None
        client.edge = None
        return client

    def make_client(self, **kwargs: Any) -> Client:
        """A real ``twilio.rest.Client`` for this account, attached to the stand-in."""
        return self.attach(Client(self.account_sid, self.auth_token, **kwargs))

    # recorded state

    @property
    def messages(self) -> list[SentMessage]:
        """A snapshot of the messages accepted so far, oldest first."""
        with self._cond:
            return list(self._messages)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """Block until at least ``count`` messages were accepted; raise ``TimeoutError``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} messages after {timeout}s")
            return list(self._messages)

    def get_message(self, sid: str) -> SentMessage | None:
        return self._find(sid)

    def reset(self) -> None:
        """Forget messages, media, pending failures/delays and counters."""
        with self._cond:
            self._messages.clear()
            self._failures.clear()
            self._delays.clear()
            self._media.clear()
            self.create_attempts = 0
            self.media_fetches = 0

    # failure injection

    def fail_next(
        self, status: int, times: int = 1, *, code: int | None = None, message: str | None = None
    ) -> None:
        """The next ``times`` authenticated create calls answer ``status`` with Twilio's error
        JSON (code defaults to 20000 + status, e.g. 429 -> 20429, 500 -> 20500)."""
        with self._cond:
            self._failures.extend([(status, code, message)] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` authenticated create calls wait ``seconds`` before answering."""
        with self._cond:
            self._delays.extend([seconds] * times)

    # media

    def add_media(
        self, content: bytes, content_type: str, *, message_sid: str | None = None
    ) -> str:
        """Host ``content`` and return its Twilio-style media URL (basic auth required)."""
        base_url = self._require_started()
        message_sid = message_sid or new_sid("MM")
        media_sid = new_sid("ME")
        with self._cond:
            self._media[(message_sid, media_sid)] = _Media(content, content_type)
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message_sid}"
        return f"{base_url}{path}/Media/{media_sid}"

    # status callbacks

    def send_status_callback(
        self,
        message: SentMessage,
        status: str,
        url: str | None = None,
        extra: Mapping[str, str] | None = None,
        *,
        signed_url: str | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        """POST Twilio's status callback for ``message`` to ``url`` or its StatusCallback.

        ``signed_url`` is the URL the signature covers (Twilio signs the public URL it was
        given); it defaults to the URL posted to.  ``extra`` adds or overrides form fields
        (e.g. ``{"ErrorCode": "30007"}``).  The recorded message takes the new status.
        """
        target = url or message.status_callback
        if not target:
            raise ValueError(f"message {message.sid} has no StatusCallback and no url was given")
        params = status_callback_params(message, status)
        params.update(extra or {})
        self._apply_status(message, status, params.get("ErrorCode"))
        return sign_and_post(
            signed_url or target, params, self.auth_token, post_url=target, timeout=timeout
        )

    # internals

    def _require_started(self) -> str:
        if not self.base_url:
            raise RuntimeError("TwilioStandin is not started; call start() or use `with`")
        return self.base_url

    def _apply_status(self, message: SentMessage, status: str, error_code: str | None) -> None:
        now = rfc2822_now()
        with self._cond:
            recorded = self._find(message.sid)
            for target in {id(message): message, id(recorded): recorded}.values():
                if target is not None:
                    mark_status(target, status, error_code, now)

    def _find(self, sid: str) -> SentMessage | None:
        with self._cond:
            return next((m for m in self._messages if m.sid == sid), None)

    def _wsgi_app(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            status = exc.code or 500
            return not_found(request.path) if status == 404 else error_response(status)
        return self._handlers[endpoint](request, **args)

    def _authenticate(self, request: Request, account_sid: str) -> Response | None:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or auth.username != self.account_sid
            or auth.password != self.auth_token
        ):
            return unauthorized()
        if account_sid != self.account_sid:
            return not_found(request.path)
        return None

    def _take_injection(self) -> tuple[float, tuple[int, int | None, str | None] | None]:
        with self._cond:
            delay = self._delays.popleft() if self._delays else 0.0
            failure = self._failures.popleft() if self._failures else None
            return delay, failure

    def _create_message(self, request: Request, account_sid: str) -> Response:
        with self._cond:
            self.create_attempts += 1
        denied = self._authenticate(request, account_sid)
        if denied is not None:
            return denied
        delay, failure = self._take_injection()
        if delay:
            time.sleep(delay)
        if failure is not None:
            return error_response(*failure)
        invalid = validate_create(request.form)
        if invalid is not None:
            return invalid
        message = message_from_form(request.form, self.account_sid)
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()
            resource = json_response(message_resource(message), 201)
        if self.on_message is not None:
            threading.Thread(target=self.on_message, args=(message,), daemon=True).start()
        return resource

    def _fetch_message(self, request: Request, account_sid: str, message_sid: str) -> Response:
        denied = self._authenticate(request, account_sid)
        if denied is not None:
            return denied
        with self._cond:
            message = self._find(message_sid)
            if message is None:
                return not_found(request.path)
            return json_response(message_resource(message), 200)

    def _fetch_media(
        self, request: Request, account_sid: str, message_sid: str, media_sid: str
    ) -> Response:
        denied = self._authenticate(request, account_sid)
        if denied is not None:
            return denied
        with self._cond:
            media = self._media.get((message_sid, media_sid))
            if media is None:
                return not_found(request.path)
            self.media_fetches += 1
        return Response(media.content, status=200, content_type=media.content_type)
