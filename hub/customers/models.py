"""A customer and the identities (phone, email, social ids…) that find them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Numeric, SmallInteger, String, Text, UniqueConstraint, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hub.customers.names import name_key
from hub.db import Base, utcnow

# A column referring to customers.id moves to the survivor when two customers are merged
# (hub/customers/merge.py) unless its info says so: these record the merge itself.
KEEP_ON_MERGE = {"merge": "keep"}


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the profile (hub/customers/profile.py validates and writes it)
    preferred_channel: Mapped[str | None] = mapped_column(String(20))  # a ChannelKind
    consent_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # reassign
    vip_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")  # 0-3
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The "vip" column predates vip_level and is kept equal to vip_level > 0; read and
    # write ``vip`` (below), which is derived from vip_level in Python and in SQL.
    vip_flag: Mapped[bool] = mapped_column("vip", default=False)
    # merges and erasure (hub/customers/merge.py, privacy.py)
    name_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id"), index=True, info=KEEP_ON_MERGE
    )
    erased_at: Mapped[datetime | None]

    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer", order_by="Identity.id"
    )

    @validates("display_name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = name_key(value)
        return value

    @validates("vip_level")
    def _keep_vip_flag(self, _key: str, level: int) -> int:
        self.vip_flag = level > 0
        return level

    @hybrid_property
    def vip(self) -> bool:
        return (self.vip_level or 0) > 0

    @vip.inplace.setter
    def _set_vip(self, value: bool) -> None:
        if bool(value) != self.vip:
            self.vip_level = 1 if value else 0

    @vip.inplace.expression
    @classmethod
    def _vip_expression(cls) -> Any:
        return cls.vip_level > 0


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class Subscription(Base):
    """A line or a box contract: the plan the customer pays for."""

    __tablename__ = "account_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    plan: Mapped[str] = mapped_column(String(120))
    monthly_price: Mapped[float] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(20), default="active")
    started_on: Mapped[date]


class Invoice(Base):
    __tablename__ = "account_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    amount: Mapped[float] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(20))  # paid, unpaid, disputed
    issued_on: Mapped[date]


class Order(Base):
    __tablename__ = "account_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30))  # ordered, shipped, delivered, returned
    tracking: Mapped[str] = mapped_column(String(80), default="")
    ordered_on: Mapped[date]


class CustomerMerge(Base):
    """One merge of ``merged`` into ``survivor``: which rows moved, so it can be undone."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True,
                                             info=KEEP_ON_MERGE)
    merged_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True,
                                           info=KEEP_ON_MERGE)
    automatic: Mapped[bool] = mapped_column(default=False)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    moved: Mapped[dict[str, Any]]  # {"table.column": [row ids]}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class MergeSuggestion(Base):
    """A probable match shown to advisors; rejected pairs are never suggested again."""

    __tablename__ = "merge_suggestions"
    __table_args__ = (UniqueConstraint("low_id", "high_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), info=KEEP_ON_MERGE)
    high_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True,
                                         info=KEEP_ON_MERGE)
    evidence: Mapped[str] = mapped_column(String(200))  # no personal data: a rule's words
    state: Mapped[str] = mapped_column(String(10), default="pending")  # accepted, rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class Device(Base):
    """A device the customer has from the brand (a phone, a box); the IMEI is shown masked."""

    __tablename__ = "account_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model: Mapped[str] = mapped_column(String(120))
    imei: Mapped[str] = mapped_column(String(20), default="")
    since: Mapped[date]


class PastCase(Base):
    """A support case from before the hub (or from another tool): reference and outcome."""

    __tablename__ = "account_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # open, closed
    closed_on: Mapped[date | None]
