"""Canned responses: the team's ready answers, their variables and their rendering.

A body holds variables in braces (``{customer.first_name}``); ``{{`` and ``}}`` stand for
literal braces. Rendering is a single pass: a value (a customer's name, say) is inserted
as it is and never read as a template, and an unknown variable is refused when saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.customers.models import Customer
from hub.db import utcnow
from hub.inbox.errors import BadInput
from hub.inbox.models import CannedResponse

VARIABLES = ("customer.name", "customer.first_name", "customer.last_name", "plan",
             "advisor.name", "advisor.first_name")
TOKEN = re.compile(r"\{\{|\}\}|\{([a-z_.]*)\}|[{}]")
SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Context:
    """What a response is rendered with."""

    customer: Customer
    advisor: User
    plan: str


def check_body(body: str) -> None:
    """Refuse a body with an unknown variable or a lone brace (field ``body``)."""
    for match in TOKEN.finditer(body):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise BadInput("a lone brace: write {{ or }} for a literal one", "body")
        if match.group(1) not in VARIABLES:
            raise BadInput(f"unknown variable {token}; known: "
                           + ", ".join("{" + v + "}" for v in VARIABLES), "body")


def render(body: str, context: Context) -> str:
    values = _values(context)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values.get(match.group(1) or "", token)

    return TOKEN.sub(replace, body)


def _values(context: Context) -> dict[str, str]:
    name = context.customer.display_name.strip()
    first, _, last = name.partition(" ")
    advisor = context.advisor.name.strip()
    return {"customer.name": name, "customer.first_name": first, "customer.last_name": last,
            "plan": context.plan, "advisor.name": advisor,
            "advisor.first_name": advisor.partition(" ")[0]}


def search(session: Session, *, query: str = "", limit: int = 20) -> list[CannedResponse]:
    """By shortcut first (``/rem`` or ``#rem`` finds ``remboursement``), then by title."""
    words = query.strip().lstrip("/#").lower()
    statement = select(CannedResponse)
    if words:
        pattern = "%" + words.replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
        statement = statement.where(or_(
            CannedResponse.shortcut.startswith(words, autoescape=True),
            func.lower(CannedResponse.title).like(pattern, escape="\\")))
    starts = CannedResponse.shortcut.startswith(words, autoescape=True)
    statement = statement.order_by(starts.desc(), CannedResponse.shortcut).limit(limit)
    return list(session.scalars(statement))


def save(session: Session, *, data: dict[str, Any], user: User,
         canned: CannedResponse | None = None) -> CannedResponse:
    """Create (``canned`` None) or update a response; 409-worthy clash as BadInput."""
    if "shortcut" in data and not SHORTCUT.match(data["shortcut"]):
        raise BadInput("lower-case letters, digits, - and _, at most 40", "shortcut")
    if "body" in data:
        check_body(data["body"])
    if canned is None:
        canned = CannedResponse(created_by_user_id=user.id)
        session.add(canned)
    for name in ("shortcut", "title", "body", "language"):
        if name in data:
            setattr(canned, name, data[name])
    canned.updated_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise BadInput(f"the shortcut {data.get('shortcut')!r} is taken", "shortcut") from None
    return canned


def canned_view(canned: CannedResponse) -> dict[str, Any]:
    return {"id": canned.id, "shortcut": canned.shortcut, "title": canned.title,
            "body": canned.body, "language": canned.language,
            "updated_at": canned.updated_at.isoformat()}


DEMO = (
    ("bonjour", "Bonjour", "fr",
     "Bonjour {customer.first_name}, je suis {advisor.first_name} du service client. "
     "Je regarde votre dossier."),
    ("facture", "Facture", "fr",
     "{customer.first_name}, votre forfait {plan} est bien actif. Je vérifie votre facture "
     "et je reviens vers vous."),
    ("hello", "Hello", "en",
     "Hello {customer.first_name}, this is {advisor.first_name} from customer care. "
     "I am looking into it."),
    ("plan", "Your plan", "en", "Your current plan is {plan}."),
)


def seed_canned(session: Session) -> None:
    """The demo's responses (idempotent)."""
    known = set(session.scalars(select(CannedResponse.shortcut)))
    for shortcut, title, language, body in DEMO:
        if shortcut not in known:
            session.add(CannedResponse(shortcut=shortcut, title=title, language=language,
                                       body=body))
