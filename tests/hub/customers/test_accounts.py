"""The SQL account provider: what an advisor sees of Léa's account, and nothing of others'."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hub.customers.accounts import SqlAccountProvider, mask_imei
from hub.customers.crm import to_summary
from hub.customers.models import (
    Customer,
    Device,
    Identity,
    Invoice,
    Order,
    PastCase,
    Subscription,
)
from hub.db import transaction
from hub.routing.offers import account_summary
from tests.personas import LEA_PHONE, demo_customers


def customer_id_of(session, phone: str) -> int:
    return session.scalar(select(Identity.customer_id).where(Identity.address == phone))


def test_lea_s_summary_has_her_plan_invoices_orders_device_and_past_case(services):
    with transaction(services.sessions) as session:
        demo_customers(session)
        lea = customer_id_of(session, LEA_PHONE)

    summary = SqlAccountProvider(services.sessions).summary(lea)

    assert summary["available"] is True
    assert summary["source"] == "sql"
    assert summary["subscriptions"] == [{"plan": "Sosh 100 Go", "monthly_price": "20.99",
                                         "status": "active", "started_on": "2024-01-15"}]
    assert [(i["number"], i["status"]) for i in summary["invoices"]] == [
        ("F2026-0101", "paid"), ("F2026-0001", "unpaid")]  # newest first
    assert summary["orders"] == [{"number": "CMD-9001", "item": "Smartphone Fairphone 6",
                                  "status": "shipped", "tracking": "6A12345678901",
                                  "ordered_on": "2026-11-20"}]
    assert summary["devices"] == [{"model": "Fairphone 5", "imei": "***********0001",
                                   "since": "2024-01-15"}]
    assert summary["cases"] == [{"reference": "DOS-2025-0001", "subject": "Facture contestée",
                                 "status": "closed", "closed_on": "2025-06-01"}]


def test_the_summary_shows_the_newest_rows_of_this_customer_only(services):
    with transaction(services.sessions) as session:
        demo_customers(session)
        lea = customer_id_of(session, LEA_PHONE)
        for n in range(7):
            session.add(Invoice(customer_id=lea, number=f"X-{n}", amount=1, status="paid",
                                issued_on=date(2026, 1, n + 1)))
        session.add(PastCase(customer_id=lea, reference="DOS-OPEN", subject="Box",
                             status="open", closed_on=None))

    summary = SqlAccountProvider(services.sessions, limit=3).summary(lea)

    assert [i["number"] for i in summary["invoices"]] == ["X-6", "X-5", "X-4"]
    assert summary["cases"][0] == {"reference": "DOS-OPEN", "subject": "Box",
                                   "status": "open", "closed_on": None}


def test_summaries_of_several_customers_keep_each_one_s_newest_rows(both_databases):
    """One statement for every section and customer (PostgreSQL and SQLite): each
    customer gets their own rows, newest first, ``limit`` per section, typed as in
    ``summary``."""
    with transaction(both_databases) as session:
        anna, marc, empty = (Customer(display_name=n) for n in ("Anna", "Marc", "Vide"))
        session.add_all([anna, marc, empty])
        session.flush()
        for n in range(4):
            session.add(Invoice(customer_id=anna.id, number=f"A-{n}", amount=10.5 + n,
                                status="paid", issued_on=date(2026, 2, n + 1)))
        session.add(Invoice(customer_id=marc.id, number="M-1", amount=3, status="unpaid",
                            issued_on=date(2026, 3, 1)))
        session.add(Subscription(customer_id=marc.id, plan="Box 4K", monthly_price=29.99,
                                 status="active", started_on=date(2025, 1, 5)))
        session.add(Order(customer_id=anna.id, number="CMD-9", item="Phone", status="shipped",
                          tracking="XY12", ordered_on=date(2026, 4, 2)))
        session.add(Device(customer_id=marc.id, model="Pixel", imei="352099000000077",
                           since=date(2024, 6, 1)))
        ids = (anna.id, marc.id, empty.id)

    with both_databases() as session:
        found = SqlAccountProvider(both_databases, limit=2).summaries(ids, session=session)

    a, m, e = (found[i] for i in ids)
    assert [i["number"] for i in a["invoices"]] == ["A-3", "A-2"]
    assert a["invoices"][0] == {"number": "A-3", "amount": "13.50", "status": "paid",
                                "issued_on": "2026-02-04"}
    assert a["orders"] == [{"number": "CMD-9", "item": "Phone", "status": "shipped",
                            "tracking": "XY12", "ordered_on": "2026-04-02"}]
    assert a["subscriptions"] == a["devices"] == a["cases"] == []
    assert m["invoices"] == [{"number": "M-1", "amount": "3.00", "status": "unpaid",
                              "issued_on": "2026-03-01"}]
    assert m["subscriptions"] == [{"plan": "Box 4K", "monthly_price": "29.99",
                                   "status": "active", "started_on": "2025-01-05"}]
    assert m["devices"] == [{"model": "Pixel", "imei": "***********0077",
                             "since": "2024-06-01"}]
    assert e == {"available": True, "source": "sql", "subscriptions": [], "invoices": [],
                 "orders": [], "devices": [], "cases": []}


def test_a_customer_without_account_rows_has_an_empty_but_available_summary(services):
    with transaction(services.sessions) as session:
        customer = Customer(display_name="Nouveau")
        session.add(customer)
        session.flush()
        customer_id = customer.id

    summary = SqlAccountProvider(services.sessions).summary(customer_id)

    assert summary == {"available": True, "source": "sql", "subscriptions": [], "invoices": [],
                       "orders": [], "devices": [], "cases": []}


def test_imeis_are_masked_to_their_last_four_digits(services):
    assert mask_imei("352099000000001") == "***********0001"
    assert mask_imei(" 1234 ") == "****"
    assert mask_imei("") == ""
    with transaction(services.sessions) as session:
        customer = Customer(display_name="Téléphone")
        session.add(customer)
        session.flush()
        session.add(Device(customer_id=customer.id, model="X", imei="490154203237518",
                           since=date(2025, 1, 1)))
        customer_id = customer.id
    (device,) = SqlAccountProvider(services.sessions).summary(customer_id)["devices"]
    assert "490154203237518" not in str(device) and device["imei"].endswith("7518")


def test_a_crm_answer_with_the_same_data_gives_the_same_summary(services):
    """Both providers fill the same shape: the advisor's panel cannot tell them apart."""
    with transaction(services.sessions) as session:
        demo_customers(session)
        lea = customer_id_of(session, LEA_PHONE)
    sql = SqlAccountProvider(services.sessions).summary(lea)
    crm_answer = {
        "subscriptions": [{"plan": "Sosh 100 Go", "monthly_price": 20.99, "status": "active",
                           "started_on": "2024-01-15", "crm_only_field": "ignored"}],
        "invoices": [{"number": "F2026-0101", "amount": "20.99", "status": "paid",
                      "issued_on": "2026-10-01"},
                     {"number": "F2026-0001", "amount": 20.99, "status": "unpaid",
                      "issued_on": "2026-11-01"}],
        "orders": [{"number": "CMD-9001", "item": "Smartphone Fairphone 6", "status": "shipped",
                    "tracking": "6A12345678901", "ordered_on": "2026-11-20"}],
        "devices": [{"model": "Fairphone 5", "imei": "352099000000001", "since": "2024-01-15"}],
        "cases": [{"reference": "DOS-2025-0001", "subject": "Facture contestée",
                   "status": "closed", "closed_on": "2025-06-01"}],
    }
    assert to_summary(crm_answer, limit=5) == {**sql, "source": "crm"}


class BrokenProvider:
    def summary(self, customer_id: int) -> dict:
        raise RuntimeError("the account database is on fire")


def test_a_provider_that_raises_degrades_to_unavailable_in_the_offer():
    assert account_summary(BrokenProvider(), 42) == {"available": False}
