"""Account history from a brand's CRM over HTTP (the CRM AccountProvider).

One GET per customer to ``CRM_URL_TEMPLATE`` with its single placeholder filled from one of
the customer's identities (``{external_id}``: the identity of kind "crm", the CRM's own
customer number; ``{phone}``: the E.164 phone; ``{email}``), percent-encoded. The answer is
validated (``CrmAccount``) into the summary shape of the SQL provider, cached in Redis for
``ttl`` seconds, and guarded by a circuit breaker shared by every process: a slow or broken
CRM costs at most a timeout per call until the breaker opens, then nothing.

SSRF: the scheme, host and port come only from the template in the settings; customer data
fills one path or query segment and is percent-encoded, so it can never change the host.
No redirects are followed; the answer is capped at ``MAX_BYTES``. See docs/accounts.md.
"""

from __future__ import annotations

import json
import logging
import time
from decimal import Decimal
from string import Formatter
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.customers.accounts import SECTIONS, mask_imei, unavailable
from hub.customers.breaker import CircuitBreaker
from hub.customers.models import Identity

log = logging.getLogger(__name__)

PLACEHOLDERS = {"external_id": "crm", "phone": "phone", "email": "email"}  # → identity kind
MAX_BYTES = 256 * 1024
CACHE_PREFIX = "entraide:crm:account:"
TEXT = validate.Length(max=200)


class CrmConfigError(ValueError):
    """CRM_URL_TEMPLATE or CRM_AUTH_HEADER cannot be used."""


class CrmFailure(Exception):
    """The CRM did not give a usable answer; ``reason`` is short and holds no customer data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- what the CRM must answer ---------------------------------------------------------------


class _Tolerant(Schema):
    class Meta:
        unknown = EXCLUDE  # a CRM may send more than we show


class CrmSubscription(_Tolerant):
    plan = fields.String(required=True, validate=TEXT)
    monthly_price = fields.Decimal(required=True, places=2)
    status = fields.String(required=True, validate=validate.Length(max=40))
    started_on = fields.Date(required=True)


class CrmInvoice(_Tolerant):
    number = fields.String(required=True, validate=validate.Length(max=60))
    amount = fields.Decimal(required=True, places=2)
    status = fields.String(required=True, validate=validate.Length(max=40))
    issued_on = fields.Date(required=True)


class CrmOrder(_Tolerant):
    number = fields.String(required=True, validate=validate.Length(max=60))
    item = fields.String(required=True, validate=TEXT)
    status = fields.String(required=True, validate=validate.Length(max=40))
    tracking = fields.String(load_default="", validate=validate.Length(max=80))
    ordered_on = fields.Date(required=True)


class CrmDevice(_Tolerant):
    model = fields.String(required=True, validate=TEXT)
    imei = fields.String(load_default="", validate=validate.Length(max=20))
    since = fields.Date(required=True)


class CrmCase(_Tolerant):
    reference = fields.String(required=True, validate=validate.Length(max=60))
    subject = fields.String(required=True, validate=TEXT)
    status = fields.String(required=True, validate=validate.Length(max=40))
    closed_on = fields.Date(load_default=None, allow_none=True)


class CrmAccount(_Tolerant):
    """The JSON object the CRM returns, newest rows first in each list."""

    subscriptions = fields.List(fields.Nested(CrmSubscription), load_default=list)
    invoices = fields.List(fields.Nested(CrmInvoice), load_default=list)
    orders = fields.List(fields.Nested(CrmOrder), load_default=list)
    devices = fields.List(fields.Nested(CrmDevice), load_default=list)
    cases = fields.List(fields.Nested(CrmCase), load_default=list)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value.isoformat() if hasattr(value, "isoformat") else value


def to_summary(data: Any, *, limit: int) -> dict[str, Any]:
    """Validate a CRM answer into the provider summary; raises ``CrmFailure``."""
    if isinstance(data, dict):
        data = {k: v[:limit] if isinstance(v, list) else v for k, v in data.items()}
    try:
        account = CrmAccount().load(data)
    except ValidationError as error:
        raise CrmFailure("crm answer invalid") from error
    summary: dict[str, Any] = {"available": True, "source": "crm"}
    for section in SECTIONS:
        summary[section] = [{k: _plain(v) for k, v in row.items()} for row in account[section]]
    for device in summary["devices"]:
        device["imei"] = mask_imei(device["imei"])
    return summary


# --- the request ----------------------------------------------------------------------------


class UrlTemplate:
    """CRM_URL_TEMPLATE: http(s), a fixed host, one placeholder outside the host."""

    def __init__(self, template: str) -> None:
        parts = urlsplit(template)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrmConfigError("CRM_URL_TEMPLATE must be an http(s) URL with a host")
        if "{" in parts.netloc or "}" in parts.netloc:
            raise CrmConfigError("CRM_URL_TEMPLATE must not have a placeholder in its host")
        try:
            found = {(name, spec, conv) for _, name, spec, conv in Formatter().parse(template)
                     if name is not None}
        except ValueError as error:
            raise CrmConfigError(f"CRM_URL_TEMPLATE: {error}") from error
        names = {name for name, _, _ in found}
        if len(names) != 1 or not names <= PLACEHOLDERS.keys() or any(s or c for _, s, c in found):
            raise CrmConfigError("CRM_URL_TEMPLATE needs one of {external_id}, {phone}, {email}")
        self._template = template
        self._origin = (parts.scheme, parts.netloc)
        self.name = names.pop()
        self.identity_kind = PLACEHOLDERS[self.name]

    def fill(self, value: str) -> str:
        url = self._template.format_map({self.name: quote(value, safe="")})
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:  # cannot happen once encoded
            raise CrmFailure("crm url refused")
        return url


def parse_auth_header(raw: str) -> dict[str, str]:
    """``"Name: value"`` → ``{"Name": "value"}``; empty → no header."""
    if not raw.strip():
        return {}
    name, sep, value = raw.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value or any(c in raw for c in "\r\n\0") or " " in name:
        raise CrmConfigError('CRM_AUTH_HEADER must look like "Name: value"')
    return {name: value}


def fetch_account(url: str, *, headers: dict[str, str], timeout: float) -> Any:
    """GET the CRM; the decoded JSON, ``None`` for 404, or ``CrmFailure``."""
    deadline = time.monotonic() + timeout
    try:
        with requests.get(url, headers={"Accept": "application/json", **headers},
                          timeout=timeout, allow_redirects=False, stream=True) as response:
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise CrmFailure(f"crm answered {response.status_code}")
            body = _read(response, deadline)
    except requests.Timeout as error:
        raise CrmFailure("crm timeout") from error
    except requests.RequestException as error:
        raise CrmFailure("crm unreachable") from error
    try:
        return json.loads(body)
    except ValueError as error:
        raise CrmFailure("crm answer is not json") from error


def _read(response: requests.Response, deadline: float) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(16 * 1024):
        body += chunk
        if len(body) > MAX_BYTES:
            raise CrmFailure("crm answer too large")
        if time.monotonic() > deadline:
            raise CrmFailure("crm timeout")
    return bytes(body)


# --- the provider ---------------------------------------------------------------------------


class CrmAccountProvider:
    """The AccountProvider over a brand's CRM; see the module docstring."""

    def __init__(self, sessions: sessionmaker[Session], *, url_template: str, auth_header: str,
                 timeout: float, redis: Redis, ttl: int, breaker: CircuitBreaker,
                 limit: int = 5) -> None:
        self._sessions = sessions
        self._template = UrlTemplate(url_template)
        self._headers = parse_auth_header(auth_header)
        self._timeout = timeout
        self._redis = redis
        self._ttl = ttl
        self.breaker = breaker
        self._limit = limit

    def summary(self, customer_id: int) -> dict[str, Any]:
        cached = self._cached(customer_id)
        if cached is not None:
            return cached
        key = self._lookup_key(customer_id)
        if key is None:
            return unavailable("no crm identity")
        if not self.breaker.allow():
            return unavailable("crm circuit open")
        try:
            data = fetch_account(self._template.fill(key), headers=self._headers,
                                 timeout=self._timeout)
            summary = None if data is None else to_summary(data, limit=self._limit)
        except CrmFailure as failure:
            self.breaker.failed()
            log.warning("crm account of customer %s unavailable: %s", customer_id, failure)
            return unavailable(failure.reason)
        except Exception:
            self.breaker.failed()
            log.exception("crm account of customer %s failed", customer_id)
            return unavailable("crm error")
        self.breaker.succeeded()
        if summary is None:
            return unavailable("not found in the crm")
        self._store(customer_id, summary)
        return summary

    def forget(self, customer_id: int) -> None:
        """Drop the cached summary (after a merge, or when the CRM says it changed)."""
        try:
            self._redis.delete(f"{CACHE_PREFIX}{customer_id}")
        except RedisError:
            log.warning("could not drop the cached crm account of customer %s", customer_id)

    def _lookup_key(self, customer_id: int) -> str | None:
        with self._sessions() as session:
            return session.scalar(
                select(Identity.address)
                .where(Identity.customer_id == customer_id,
                       Identity.kind == self._template.identity_kind)
                .order_by(Identity.id)
                .limit(1)
            )

    def _cached(self, customer_id: int) -> dict[str, Any] | None:
        if self._ttl <= 0:
            return None
        try:
            raw = self._redis.get(f"{CACHE_PREFIX}{customer_id}")
        except RedisError:
            return None
        return None if raw is None else json.loads(raw)

    def _store(self, customer_id: int, summary: dict[str, Any]) -> None:
        if self._ttl <= 0:
            return
        try:
            self._redis.set(f"{CACHE_PREFIX}{customer_id}", json.dumps(summary), ex=self._ttl)
        except RedisError:
            log.warning("could not cache the crm account of customer %s", customer_id)
