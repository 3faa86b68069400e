"""The state of a distribution business, as value objects.

These mirror the canonical dataset (``docs/dataset-format.md``) one to one, so a picture can
travel CSV -> domain -> database -> domain -> CSV without loss: a value the source left
blank stays ``None`` here, and the *effective* value (a line's price falling back to the
product's list price, an order's ``accepts_partial`` falling back to the customer's) is
computed by the helper methods of :class:`Dataset`, never baked into the stored row.

Quantities and money are :class:`~decimal.Decimal`; days are ``int``; dates are
:class:`~datetime.date`. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Tier(StrEnum):
    """Customer tier; the order here is the demand-priority order."""

    STRATEGIC = "strategic"
    KEY = "key"
    STANDARD = "standard"


TIER_RANK: dict[Tier, int] = {Tier.STRATEGIC: 0, Tier.KEY: 1, Tier.STANDARD: 2}


class OrderStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    RECEIVED = "received"
    CLOSED = "closed"
    REJECTED = "rejected"


class PickStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


DEFAULT_COMPANY = "main"

#: The calendar a picture lives in: every date of a dataset and every as-of date lies
#: between these, inclusive. Far wider than any business needs, and narrow enough that
#: the engine's day arithmetic (a date plus a lead time, a transit or a pick queue,
#: less a look-back window) never leaves the years Python's dates can hold (1 to 9999).
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(9000, 12, 31)


@dataclass(frozen=True, slots=True)
class Warehouse:
    code: str
    name: str | None = None
    company: str = DEFAULT_COMPANY
    pick_capacity_lines_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class TransferLane:
    from_warehouse: str
    to_warehouse: str
    transit_days: int


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str | None = None
    unit_cost: Decimal | None = None
    list_price: Decimal | None = None
    uom: str = "unit"
    reorder_point: Decimal | None = None
    reorder_qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str | None = None
    tier: Tier = Tier.STANDARD
    credit_limit: Decimal | None = None
    credit_hold: bool = False
    account_owner: str | None = None
    accepts_partial: bool = False


@dataclass(frozen=True, slots=True)
class Supplier:
    code: str
    name: str | None = None
    lead_days: int | None = None


@dataclass(frozen=True, slots=True)
class StockLevel:
    sku: str
    warehouse: str
    on_hand: Decimal
    quality_hold: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class SalesOrder:
    order_id: str
    customer: str
    warehouse: str
    order_date: date
    promised_date: date
    expedite: bool = False
    accepts_partial: bool | None = None
    status: OrderStatus = OrderStatus.OPEN
    salesperson: str | None = None


@dataclass(frozen=True, slots=True)
class SalesOrderLine:
    order_id: str
    line: int
    sku: str
    qty: Decimal
    qty_shipped: Decimal = ZERO
    qty_reserved: Decimal = ZERO
    unit_price: Decimal | None = None
    list_price: Decimal | None = None

    @property
    def open_qty(self) -> Decimal:
        return self.qty - self.qty_shipped


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    po_id: str
    supplier: str
    warehouse: str
    order_date: date
    expected_date: date
    confirmed_date: date | None = None
    status: OrderStatus = OrderStatus.OPEN
    buyer: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    po_id: str
    line: int
    sku: str
    qty: Decimal
    qty_received: Decimal = ZERO
    expected_date: date | None = None
    unit_cost: Decimal | None = None

    @property
    def open_qty(self) -> Decimal:
        return self.qty - self.qty_received


@dataclass(frozen=True, slots=True)
class Receipt:
    receipt_id: str
    po_id: str
    line: int
    received_date: date
    qty: Decimal
    damaged_qty: Decimal = ZERO
    put_away: bool = True


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_id: str
    customer: str
    due_date: date
    amount_residual: Decimal
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Return:
    rma_id: str
    customer: str
    sku: str
    qty: Decimal
    requested_date: date
    order_id: str | None = None
    status: ReturnStatus = ReturnStatus.REQUESTED


@dataclass(frozen=True, slots=True)
class Pick:
    pick_id: str
    order_id: str
    warehouse: str
    created_at: datetime
    assigned_to: str | None = None
    status: PickStatus = PickStatus.OPEN


@dataclass(slots=True)
class Dataset:
    """One picture of a business: every entity of the canonical dataset.

    Collections are plain lists in source order; the engine never depends on that
    order (its output is deterministic under any row order).
    """

    warehouses: list[Warehouse] = field(default_factory=list)
    transfer_lanes: list[TransferLane] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    stock: list[StockLevel] = field(default_factory=list)
    sales_orders: list[SalesOrder] = field(default_factory=list)
    sales_order_lines: list[SalesOrderLine] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    purchase_order_lines: list[PurchaseOrderLine] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    picks: list[Pick] = field(default_factory=list)

    def companies(self) -> list[str]:
        """The companies this picture covers, sorted."""
        return sorted({w.company for w in self.warehouses})

    def entity_counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.collections()}

    def collections(self) -> Iterator[tuple[str, list[object]]]:
        """(entity name, rows) for every entity, in dataset-file order."""
        for name in ENTITY_NAMES:
            yield name, getattr(self, name)


ENTITY_NAMES: tuple[str, ...] = (
    "warehouses",
    "transfer_lanes",
    "products",
    "customers",
    "suppliers",
    "stock",
    "sales_orders",
    "sales_order_lines",
    "purchase_orders",
    "purchase_order_lines",
    "receipts",
    "invoices",
    "returns",
    "picks",
)


def effective_unit_price(line: SalesOrderLine, product: Product | None) -> Decimal:
    """A line's price: its own, else the product's list price, else 0."""
    if line.unit_price is not None:
        return line.unit_price
    if product is not None and product.list_price is not None:
        return product.list_price
    return ZERO


def effective_list_price(line: SalesOrderLine, product: Product | None) -> Decimal | None:
    """A line's list price: its own, else the product's (None when neither is given)."""
    if line.list_price is not None:
        return line.list_price
    return product.list_price if product is not None else None


def effective_accepts_partial(order: SalesOrder, customer: Customer | None) -> bool:
    """An order accepts partial shipment when it says so, else when its customer does."""
    if order.accepts_partial is not None:
        return order.accepts_partial
    return customer.accepts_partial if customer is not None else False


def po_line_expected_date(line: PurchaseOrderLine, order: PurchaseOrder) -> date:
    """A PO line's expected date: its own, else the order's."""
    return line.expected_date if line.expected_date is not None else order.expected_date
