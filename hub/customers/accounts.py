"""Account history from the hub's own account tables (the SQL AccountProvider)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.customers.models import Invoice, Order, Subscription


class SqlAccountProvider:
    """Plan, recent invoices and orders for one customer."""

    def __init__(self, sessions: sessionmaker[Session], *, limit: int = 5) -> None:
        self._sessions = sessions
        self._limit = limit

    def summary(self, customer_id: int) -> dict[str, Any]:
        with self._sessions() as session:
            return {
                "available": True,
                "subscriptions": [_subscription(s) for s in self._rows(session, Subscription,
                                                                         customer_id)],
                "invoices": [_invoice(i) for i in self._rows(session, Invoice, customer_id)],
                "orders": [_order(o) for o in self._rows(session, Order, customer_id)],
            }

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
        "monthly_price": str(row.monthly_price),
        "status": row.status,
        "started_on": row.started_on.isoformat(),
    }


def _invoice(row: Invoice) -> dict[str, Any]:
    return {
        "number": row.number,
        "amount": str(row.amount),
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
