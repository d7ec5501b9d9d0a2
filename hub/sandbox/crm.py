"""Local stand-in for a brand's CRM account API (docs/accounts.md), for tests and the demo.

``CrmStandin`` serves ``GET /api/customers/<key>/account`` on ``127.0.0.1`` (free port,
background thread). ``key`` is whatever the hub puts in the URL template's placeholder
(percent-decoded here, as any web server does). Accounts are added with
``add_account(key, account)``; an unknown key answers 404.

What the tests can make it do: ``delay`` (seconds before answering: slower than the hub's
timeout means a timeout), ``mode`` ``"ok"`` | ``"down"`` (500) | ``"malformed"`` (200 with a
body that is not JSON) | ``"invalid"`` (200, JSON of the wrong shape). It checks the auth
header (401 when it is missing or wrong) and counts requests (``requests``; ``paths`` are
the raw request paths, still percent-encoded).

    with CrmStandin(auth=("X-Api-Key", "secret")) as crm:
        crm.add_account("+33612345678", {"invoices": [...]})
        settings = Settings(ACCOUNT_PROVIDER="crm", CRM_URL_TEMPLATE=crm.url_template("phone"),
                            CRM_AUTH_HEADER=crm.auth_header, ...)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

POLL_INTERVAL = 0.05
MODES = ("ok", "down", "malformed", "invalid")

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log(self, kind: str, message: str, *args: Any) -> None:
        """No access log in test output."""


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


class CrmStandin:
    """A CRM account API on loopback; see the module docstring."""

    def __init__(self, auth: tuple[str, str] = ("Authorization", "Bearer standin-crm-token")):
        self.auth = auth
        self.base_url = ""
        self.delay = 0.0
        self.mode = "ok"
        self._accounts: dict[str, Any] = {}
        self._paths: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._url_map = Map([Rule("/api/customers/<key>/account", methods=["GET"])])
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # configuration

    @property
    def auth_header(self) -> str:
        """The CRM_AUTH_HEADER setting that this stand-in accepts."""
        return f"{self.auth[0]}: {self.auth[1]}"

    def url_template(self, placeholder: str = "external_id") -> str:
        """The CRM_URL_TEMPLATE setting for this stand-in."""
        return f"{self._require_started()}/api/customers/{{{placeholder}}}/account"

    def add_account(self, key: str, account: Any) -> None:
        with self._lock:
            self._accounts[key] = account

    def reset(self) -> None:
        with self._lock:
            self._accounts.clear()
            self._paths.clear()
            self.delay = 0.0
            self.mode = "ok"

    # what it saw

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self._paths)

    @property
    def paths(self) -> list[str]:
        with self._lock:
            return list(self._paths)

    # lifecycle

    def start(self) -> CrmStandin:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = make_server("127.0.0.1", 0, self._wsgi_app, threaded=True,
                             request_handler=_QuietHandler)
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_port}"
        self._thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,),
                                        name="crm-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes requests sleeping in a delay
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None
        self.base_url = ""

    def __enter__(self) -> CrmStandin:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # internals

    def _require_started(self) -> str:
        if not self.base_url:
            raise RuntimeError("CrmStandin is not started; call start() or use `with`")
        return self.base_url

    def _wsgi_app(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        return self._answer(Request(environ))(environ, start_response)

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self._paths.append(request.environ.get("REQUEST_URI", request.path))
            delay, mode = self.delay, self.mode
        if delay:
            self._stopping.wait(delay)
        try:
            _endpoint, args = self._url_map.bind_to_environ(request.environ).match()
        except HTTPException as error:
            return _json({"error": error.name}, error.code or 500)
        if request.headers.get(self.auth[0]) != self.auth[1]:
            return _json({"error": "unauthorized"}, 401)
        if mode == "down":
            return _json({"error": "internal error"}, 500)
        if mode == "malformed":
            return Response('{"subscriptions": [', status=200, mimetype="application/json")
        if mode == "invalid":
            return _json({"invoices": [{"number": 7}]})
        with self._lock:
            account = self._accounts.get(args["key"])
        if account is None:
            return _json({"error": "no such customer"}, 404)
        return _json(account)
