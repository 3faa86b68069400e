"""Fixtures for the storage tests: a migrated database and datasets built in code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    OrderStatus,
    Pick,
    PickStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)
from controltower.storage.database import make_engine, make_session_factory, migrate
from controltower.storage.repository import replace_picture

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)


@pytest.fixture
def storage_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to head, disposed after the test."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sessions(storage_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(storage_engine)


@pytest.fixture
def picture_id(sessions: sessionmaker[Session]) -> int:
    """The id of :func:`business` stored as a picture (a test may define its own)."""
    with sessions.begin() as session:
        return replace_picture(
            session, business(), source="test", imported_at=IMPORTED_AT
        ).picture_id


@pytest.fixture
def make_business() -> Callable[..., Dataset]:
    """Builds :func:`business` datasets: ``make_business("north", "south", prefix="N-")``."""
    return business


def business(*companies: str, prefix: str = "") -> Dataset:
    """A small business touching every entity and every optional field, given and blank.

    One warehouse per company; ``prefix`` keeps codes apart when two businesses are
    stored side by side (codes may repeat across pictures, but tests read better apart).
    """
    companies = companies or ("main",)
    warehouses = [
        Warehouse(
            code=f"{prefix}WH-{company.upper()}",
            name=f"{company} distribution center" if index % 2 == 0 else None,
            company=company,
            pick_capacity_lines_per_day=400 if index % 2 == 0 else None,
        )
        for index, company in enumerate(companies)
    ]
    first = warehouses[0].code
    last = warehouses[-1].code
    return Dataset(
        warehouses=warehouses,
        transfer_lanes=[TransferLane(first, last, 2)] if first != last else [],
        products=[
            Product(
                sku=f"{prefix}BRK-10A",
                name="Circuit breaker 10A",
                unit_cost=Decimal("4.2"),
                list_price=Decimal("9.9"),
                uom="unit",
                reorder_point=Decimal(50),
                reorder_qty=Decimal(200),
            ),
            Product(sku=f"{prefix}CBL-2X14", uom="m"),
        ],
        customers=[
            Customer(
                code=f"{prefix}C001",
                name="Northwind Electrical",
                tier=Tier.STRATEGIC,
                credit_limit=Decimal(50000),
                credit_hold=False,
                account_owner="alice",
                accepts_partial=True,
            ),
            Customer(code=f"{prefix}C002", credit_hold=True),
        ],
        suppliers=[
            Supplier(code=f"{prefix}SUP-ACME", name="Acme Wire & Cable", lead_days=10),
            Supplier(code=f"{prefix}SUP-VOLT"),
        ],
        stock=[
            StockLevel(sku=f"{prefix}BRK-10A", warehouse=first, on_hand=Decimal(120)),
            StockLevel(
                sku=f"{prefix}CBL-2X14",
                warehouse=last,
                on_hand=Decimal("600.5"),
                quality_hold=Decimal("12.25"),
            ),
        ],
        sales_orders=[
            SalesOrder(
                order_id=f"{prefix}SO1001",
                customer=f"{prefix}C001",
                warehouse=first,
                order_date=date(2026, 11, 18),
                promised_date=date(2026, 11, 27),
                expedite=True,
                accepts_partial=False,
                status=OrderStatus.OPEN,
                salesperson="carol",
            ),
            SalesOrder(
                order_id=f"{prefix}SO1000",
                customer=f"{prefix}C002",
                warehouse=last,
                order_date=date(2026, 11, 2),
                promised_date=date(2026, 11, 10),
                status=OrderStatus.DONE,
            ),
        ],
        sales_order_lines=[
            SalesOrderLine(
                order_id=f"{prefix}SO1001",
                line=2,
                sku=f"{prefix}CBL-2X14",
                qty=Decimal(40),
                qty_shipped=Decimal("0.5"),
                qty_reserved=Decimal(2),
                unit_price=Decimal("1.55"),
                list_price=Decimal("1.6"),
            ),
            SalesOrderLine(
                order_id=f"{prefix}SO1001", line=1, sku=f"{prefix}BRK-10A", qty=Decimal(3)
            ),
        ],
        purchase_orders=[
            PurchaseOrder(
                po_id=f"{prefix}PO77",
                supplier=f"{prefix}SUP-ACME",
                warehouse=first,
                order_date=date(2026, 11, 15),
                expected_date=date(2026, 11, 27),
                confirmed_date=date(2026, 11, 16),
                status=OrderStatus.OPEN,
                buyer="erin",
            ),
            PurchaseOrder(
                po_id=f"{prefix}PO70",
                supplier=f"{prefix}SUP-VOLT",
                warehouse=last,
                order_date=date(2026, 10, 20),
                expected_date=date(2026, 11, 3),
                status=OrderStatus.CANCELLED,
            ),
        ],
        purchase_order_lines=[
            PurchaseOrderLine(
                po_id=f"{prefix}PO77",
                line=1,
                sku=f"{prefix}CBL-2X14",
                qty=Decimal(500),
                qty_received=Decimal(20),
                expected_date=date(2026, 11, 29),
                unit_cost=Decimal("0.85"),
            ),
            PurchaseOrderLine(
                po_id=f"{prefix}PO70", line=1, sku=f"{prefix}BRK-10A", qty=Decimal(100)
            ),
        ],
        receipts=[
            Receipt(
                receipt_id=f"{prefix}R500",
                po_id=f"{prefix}PO77",
                line=1,
                received_date=date(2026, 11, 24),
                qty=Decimal(20),
                damaged_qty=Decimal(2),
                put_away=False,
            ),
            Receipt(
                receipt_id=f"{prefix}R501",
                po_id=f"{prefix}PO70",
                line=1,
                received_date=date(2026, 11, 3),
                qty=Decimal(1),
            ),
        ],
        invoices=[
            Invoice(
                invoice_id=f"{prefix}INV-9001",
                customer=f"{prefix}C002",
                due_date=date(2026, 10, 31),
                amount_residual=Decimal("1840.25"),
                disputed=True,
            ),
            Invoice(
                invoice_id=f"{prefix}INV-9002",
                customer=f"{prefix}C001",
                due_date=date(2026, 11, 30),
                amount_residual=Decimal(-120),
            ),
        ],
        returns=[
            Return(
                rma_id=f"{prefix}RMA-1",
                customer=f"{prefix}C001",
                sku=f"{prefix}BRK-10A",
                qty=Decimal(2),
                requested_date=date(2026, 11, 20),
                order_id=f"{prefix}SO1000",
                status=ReturnStatus.APPROVED,
            ),
            Return(
                rma_id=f"{prefix}RMA-2",
                customer=f"{prefix}C002",
                sku=f"{prefix}CBL-2X14",
                qty=Decimal("1.5"),
                requested_date=date(2026, 11, 21),
            ),
        ],
        picks=[
            Pick(
                pick_id=f"{prefix}PK-1",
                order_id=f"{prefix}SO1001",
                warehouse=first,
                created_at=datetime(2026, 11, 24, 8, 30, 15, 250000),
                assigned_to="gina",
                status=PickStatus.DONE,
            ),
            Pick(
                pick_id=f"{prefix}PK-2",
                order_id=f"{prefix}SO1001",
                warehouse=first,
                created_at=datetime(2026, 11, 25),
            ),
        ],
    )
