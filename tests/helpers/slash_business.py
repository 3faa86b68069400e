"""A one-order business whose codes carry slashes, as Odoo writes them (``SO/2026/0001``).

One warehouse, one product, one customer with a non-ASCII name, one supplier, one late
and unconfirmed purchase order, one open order taking two units from stock and three
from that purchase order, and one overdue invoice: stored and scanned, so its pages and
links can be checked with codes that must be URL-encoded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Warehouse,
)
from controltower.policy import load_policy
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.repository import replace_picture
from controltower.workflow.stored_scan import run_stored_scan

AS_OF: Final = date(2026, 11, 25)
COMPANY: Final = "ACME"
WAREHOUSE: Final = "EAST"
ORDER: Final = "SO/2026/0001"
CUSTOMER: Final = "C/0001"
CUSTOMER_NAME: Final = "Ørsted Électrique"
SUPPLIER: Final = "S/01"
PURCHASE_ORDER: Final = "PO/2026/0001"
SKU: Final = "CBL/2.5/100"
INVOICE: Final = "INV/2026/0001"


def slash_dataset() -> Dataset:
    return Dataset(
        warehouses=[Warehouse(WAREHOUSE, "East", COMPANY)],
        products=[Product(SKU, "Cable 2.5mm 100m", Decimal(10), Decimal(20))],
        customers=[Customer(CUSTOMER, CUSTOMER_NAME, credit_limit=Decimal(1000))],
        suppliers=[Supplier(SUPPLIER, "Slash Supplies", 5)],
        stock=[StockLevel(SKU, WAREHOUSE, Decimal(2))],
        sales_orders=[
            SalesOrder(ORDER, CUSTOMER, WAREHOUSE, date(2026, 11, 20), date(2026, 11, 28))
        ],
        sales_order_lines=[SalesOrderLine(ORDER, 1, SKU, Decimal(5), unit_price=Decimal(20))],
        # expected before the as-of date and never confirmed: late and unconfirmed
        purchase_orders=[
            PurchaseOrder(
                PURCHASE_ORDER, SUPPLIER, WAREHOUSE, date(2026, 11, 1), date(2026, 11, 20)
            )
        ],
        purchase_order_lines=[
            PurchaseOrderLine(PURCHASE_ORDER, 1, SKU, Decimal(10), unit_cost=Decimal("9.5"))
        ],
        invoices=[Invoice(INVOICE, CUSTOMER, date(2026, 11, 1), Decimal(100))],
    )


def load_slash_business(database_url: str) -> int:
    """Store and scan the business (as of :data:`AS_OF`); returns its picture id."""
    return store_and_scan(database_url, slash_dataset(), source="slashes", as_of=AS_OF)


def store_and_scan(database_url: str, dataset: Dataset, *, source: str, as_of: date) -> int:
    """Store ``dataset`` as a picture and scan it as of ``as_of``; returns its picture id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            picture_id = replace_picture(
                session,
                dataset,
                source=source,
                imported_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
            ).picture_id
            run_stored_scan(
                SqlPictureStore(session, picture_id),
                as_of=as_of,
                policy=load_policy(),
                now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            )
    finally:
        engine.dispose()
    return picture_id
