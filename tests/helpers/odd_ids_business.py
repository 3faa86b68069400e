"""A business whose codes hold every character the dataset allows and a URL or a
terminal could misread: slashes, ``#``, ``?``, ``%``, ``&``, spaces, ``+``, accents,
dot segments (``..``), Rich markup (``[/]``) and emoji codes (``:warning:``).

One *family* per oddity: an order, its customer, its product, a supplier and a late,
unconfirmed purchase order the order waits on (two units from stock, three from the
purchase order), as in ``slash_business``, so every kind of page has a case, a link
and a list to render. A family whose oddity is a whole code (``..``, ``.``) uses it as
every code of the family; a shadowing code (``export.csv``, the name of the orders
list's download) is an order id only. Stored and scanned, or written as a dataset
folder for the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from controltower.connectors.dataset.writer import write_dataset
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    Pick,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Warehouse,
)
from helpers.slash_business import store_and_scan

AS_OF: Final = date(2026, 11, 25)
COMPANY: Final = "ACME"
WAREHOUSE: Final = "EAST"

#: what is put in the middle of a family's codes (``SO`` + oddity + ``1``)
ODDITIES: Final = (
    "/2026/",
    "#",
    "?x=1&y=",
    "%41",
    "%2F",
    " + ",
    "Ørsted-é",
    "/../",
    "[/]",
    "[bold]",
    ":warning:",
)
#: codes that are odd as a whole: every code of their family is exactly this
WHOLE_CODES: Final = ("..", ".")
#: order ids that are also the name of another route (the orders list's download)
SHADOWING_ORDERS: Final = ("export.csv",)
#: the Rich markup and emoji codes the command line must print as they are
MARKUP_CODES: Final = ("SO[/]1", "CBL:x:2X:warning:14", "SO[bold]1")


@dataclass(frozen=True, slots=True)
class Family:
    """The codes of one order and what it depends on."""

    order: str
    customer: str
    product: str
    supplier: str
    purchase_order: str


def families() -> list[Family]:
    made = [
        Family(f"SO{odd}1", f"C{odd}1", f"P{odd}1", f"S{odd}1", f"PO{odd}1") for odd in ODDITIES
    ]
    made += [Family(code, code, code, code, code) for code in WHOLE_CODES]
    made += [
        Family(order, f"C-{order}", f"P-{order}", f"S-{order}", f"PO-{order}")
        for order in SHADOWING_ORDERS
    ]
    made.append(Family("SO-emoji", "C-emoji", "CBL:x:2X:warning:14", "S-emoji", "PO-emoji"))
    return made


def _family_rows(family: Family, dataset: Dataset, warehouse: str) -> None:
    dataset.products.append(
        Product(family.product, f"Cable {family.product}", Decimal(10), Decimal(20))
    )
    dataset.customers.append(
        Customer(family.customer, f"Customer {family.customer}", credit_limit=Decimal(1000))
    )
    dataset.suppliers.append(Supplier(family.supplier, f"Supplier {family.supplier}", 5))
    dataset.stock.append(StockLevel(family.product, warehouse, Decimal(2)))
    dataset.sales_orders.append(
        SalesOrder(family.order, family.customer, warehouse, date(2026, 11, 20), date(2026, 11, 28))
    )
    dataset.sales_order_lines.append(
        SalesOrderLine(family.order, 1, family.product, Decimal(5), unit_price=Decimal(20))
    )
    # expected before the as-of date and never confirmed: late and unconfirmed
    dataset.purchase_orders.append(
        PurchaseOrder(
            family.purchase_order,
            family.supplier,
            warehouse,
            date(2026, 11, 1),
            date(2026, 11, 20),
        )
    )
    dataset.purchase_order_lines.append(
        PurchaseOrderLine(
            family.purchase_order, 1, family.product, Decimal(10), unit_cost=Decimal(9)
        )
    )
    dataset.picks.append(
        Pick(f"PICK-{family.order}", family.order, warehouse, datetime(2026, 11, 24, 8, 0))
    )
    dataset.invoices.append(
        Invoice(f"INV-{family.order}", family.customer, date(2026, 11, 1), Decimal(100))
    )


def odd_ids_dataset(company: str = COMPANY, warehouse: str = WAREHOUSE) -> Dataset:
    """The business, its one warehouse and company named as given."""
    dataset = Dataset(warehouses=[Warehouse(warehouse, f"Warehouse {warehouse}", company)])
    for family in families():
        _family_rows(family, dataset, warehouse)
    return dataset


def write_odd_ids_folder(folder: Path, company: str = COMPANY, warehouse: str = WAREHOUSE) -> Path:
    """The business as a dataset folder (``folder`` is made); returns it."""
    write_dataset(odd_ids_dataset(company, warehouse), folder)
    return folder


def load_odd_ids_business(database_url: str) -> int:
    """Store and scan the business (as of :data:`AS_OF`); returns its picture id."""
    return store_and_scan(database_url, odd_ids_dataset(), source="odd ids", as_of=AS_OF)
