"""Account history from the hub's own account tables (the SQL AccountProvider).

Every provider returns the same summary (docs/accounts.md): ``available``, ``source`` and
the newest rows of ``subscriptions`` (the contracts: a line or box plan), ``invoices``,
``orders`` (with delivery tracking), ``devices`` (IMEI masked) and ``cases``; or
``{"available": False, "reason": …}`` when the data cannot be had."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.customers.models import Device, Invoice, Order, PastCase, Subscription

SECTIONS = ("subscriptions", "invoices", "orders", "devices", "cases")
IMEI_VISIBLE = 4


def unavailable(reason: str) -> dict[str, Any]:
    """The summary when account data cannot be had; the UI says "account data unavailable"."""
    return {"available": False, "reason": reason}


def mask_imei(imei: str) -> str:
    """Only the last four digits are shown: enough to tell two phones apart on a call."""
    imei = imei.strip()
    if len(imei) <= IMEI_VISIBLE:
        return "*" * len(imei)
    return "*" * (len(imei) - IMEI_VISIBLE) + imei[-IMEI_VISIBLE:]


class SqlAccountProvider:
    """Plans, recent invoices, orders, devices and past cases for one customer."""

    def __init__(self, sessions: sessionmaker[Session], *, limit: int = 5) -> None:
        self._sessions = sessions
        self._limit = limit

    def summary(self, customer_id: int) -> dict[str, Any]:
        with self._sessions() as session:
            rows = {
                "subscriptions": (Subscription, _subscription),
                "invoices": (Invoice, _invoice),
                "orders": (Order, _order),
                "devices": (Device, _device),
                "cases": (PastCase, _case),
            }
            summary: dict[str, Any] = {"available": True, "source": "sql"}
            for section, (model, view) in rows.items():
                summary[section] = [view(r) for r in self._rows(session, model, customer_id)]
            return summary

    def summaries(self, customer_ids: Iterable[int], *, session: Session
                  ) -> dict[int, dict[str, Any]]:
        """``summary`` for many customers in the caller's session: one query per section
        (the newest ``limit`` rows of each customer), not five per customer in a second
        pooled connection. Routing uses it to build a batch of offers."""
        ids = sorted(set(customer_ids))
        out: dict[int, dict[str, Any]] = {
            cid: {"available": True, "source": "sql", **{s: [] for s in SECTIONS}} for cid in ids}
        if not ids:
            return out
        views = {"subscriptions": (Subscription, _subscription), "invoices": (Invoice, _invoice),
                 "orders": (Order, _order), "devices": (Device, _device),
                 "cases": (PastCase, _case)}
        for section, (model, view) in views.items():
            ranked = select(model.id, func.row_number().over(
                partition_by=model.customer_id, order_by=model.id.desc()).label("n")
            ).where(model.customer_id.in_(ids)).subquery()
            rows = session.scalars(select(model).join(ranked, ranked.c.id == model.id)
                                   .where(ranked.c.n <= self._limit)
                                   .order_by(model.customer_id, model.id.desc()))
            for row in rows:
                out[row.customer_id][section].append(view(row))
        return out

    def _rows(self, session: Session, model: Any, customer_id: int) -> list[Any]:
        query = (
            select(model)
            .where(model.customer_id == customer_id)
            .order_by(model.id.desc())
            .limit(self._limit)
        )
        return list(session.scalars(query))


def _subscription(row: Subscription) -> dict[str, Any]:
    return {
        "plan": row.plan,
        "monthly_price": f"{row.monthly_price:.2f}",
        "status": row.status,
        "started_on": row.started_on.isoformat(),
    }


def _invoice(row: Invoice) -> dict[str, Any]:
    return {
        "number": row.number,
        "amount": f"{row.amount:.2f}",
        "status": row.status,
        "issued_on": row.issued_on.isoformat(),
    }


def _order(row: Order) -> dict[str, Any]:
    return {
        "number": row.number,
        "item": row.item,
        "status": row.status,
        "tracking": row.tracking,
        "ordered_on": row.ordered_on.isoformat(),
    }


def _device(row: Device) -> dict[str, Any]:
    return {"model": row.model, "imei": mask_imei(row.imei), "since": row.since.isoformat()}


def _case(row: PastCase) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "subject": row.subject,
        "status": row.status,
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
    }
