"""The changes the incremental engine accepts, one frozen dataclass per kind.

A change to the business arrives as an event naming what changed by its business keys
(order id and line number, PO id and line number, SKU and warehouse, invoice id), never
by the engine's internal ids, so that the same vocabulary can be accepted from an ERP
feed or a live event API and handed to
:meth:`~controltower.domain.kernel_incremental.ColumnarIncrementalEngine.apply`
unchanged. Quantities and money are ``Decimal`` and dates are ``date``, as in the
dataset model.

Most events state the new state of one row (an order line, an order header, a PO line,
a stock level, an invoice): the engine compares it with what it holds and patches only
what moved. Two narrower events (:class:`PromiseChanged`, :class:`PoLineSlipped`)
carry just the one field that most often moves, for feeds that only know that field.
:class:`ReceiptPosted` is the one event that is a movement rather than a state: it
lowers a PO line's open quantity.

Each row-state event has ``of(row)``, the event stating that row of the dataset model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from controltower.domain.model import (
    ZERO,
    Invoice,
    OrderStatus,
    PurchaseOrderLine,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
)

__all__ = [
    "Event",
    "InvoiceChanged",
    "OrderChanged",
    "OrderLineChanged",
    "PoLineChanged",
    "PoLineSlipped",
    "PromiseChanged",
    "ReceiptPosted",
    "StockCounted",
]


@dataclass(frozen=True, slots=True)
class OrderLineChanged:
    """An order line's new quantities and price.

    Its open quantity (``qty - qty_shipped``), reservation and effective unit price
    (``unit_price``, else the product's list price) are what the
    analysis reads. A line whose open quantity drops to zero, or a new line, changes the
    picture's shape.
    """

    order_id: str
    line: int
    sku: str
    qty: Decimal
    qty_shipped: Decimal = ZERO
    qty_reserved: Decimal = ZERO
    unit_price: Decimal | None = None

    @classmethod
    def of(cls, row: SalesOrderLine) -> OrderLineChanged:
        return cls(
            row.order_id,
            row.line,
            row.sku,
            row.qty,
            row.qty_shipped,
            row.qty_reserved,
            row.unit_price,
        )

    def row(self) -> SalesOrderLine:
        """The order line as the dataset model holds it."""
        return SalesOrderLine(
            self.order_id,
            self.line,
            self.sku,
            self.qty,
            self.qty_shipped,
            self.qty_reserved,
            self.unit_price,
        )


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """An order header's new dates, expedite flag, customer and status.

    Dates, expedite and the customer's tier set the order's priority; the customer also
    carries its credit. Moving the order to another warehouse, or closing it, changes
    the picture's shape.
    """

    order_id: str
    customer: str
    warehouse: str
    order_date: date
    promised_date: date
    expedite: bool = False
    status: OrderStatus = OrderStatus.OPEN

    @classmethod
    def of(cls, row: SalesOrder) -> OrderChanged:
        return cls(
            row.order_id,
            row.customer,
            row.warehouse,
            row.order_date,
            row.promised_date,
            row.expedite,
            row.status,
        )


@dataclass(frozen=True, slots=True)
class PromiseChanged:
    """An order's promised date moved (nothing else of its header)."""

    order_id: str
    promised_date: date


@dataclass(frozen=True, slots=True)
class PoLineChanged:
    """A purchase-order line's new quantities and expected date.

    A blank ``expected_date`` means the PO header's date, as in the dataset model.
    """

    po_id: str
    line: int
    sku: str
    qty: Decimal
    qty_received: Decimal = ZERO
    expected_date: date | None = None

    @classmethod
    def of(cls, row: PurchaseOrderLine) -> PoLineChanged:
        return cls(row.po_id, row.line, row.sku, row.qty, row.qty_received, row.expected_date)

    def row(self) -> PurchaseOrderLine:
        """The PO line as the dataset model holds it."""
        return PurchaseOrderLine(
            self.po_id, self.line, self.sku, self.qty, self.qty_received, self.expected_date
        )


@dataclass(frozen=True, slots=True)
class PoLineSlipped:
    """An open purchase-order line is now expected on another date."""

    po_id: str
    line: int
    expected_date: date


@dataclass(frozen=True, slots=True)
class ReceiptPosted:
    """Goods received on a purchase-order line: its open quantity goes down by ``qty``.

    As the ERP reports stock levels separately, a receipt does not touch on-hand stock
    unless ``into_stock`` says the goods went straight into it.
    """

    receipt_id: str
    po_id: str
    line: int
    received_date: date
    qty: Decimal
    into_stock: bool = False

    @classmethod
    def of(cls, row: Receipt) -> ReceiptPosted:
        return cls(row.receipt_id, row.po_id, row.line, row.received_date, row.qty)


@dataclass(frozen=True, slots=True)
class StockCounted:
    """The on-hand and quality-held quantity of one SKU in one warehouse."""

    sku: str
    warehouse: str
    on_hand: Decimal
    quality_hold: Decimal = ZERO

    @classmethod
    def of(cls, row: StockLevel) -> StockCounted:
        return cls(row.sku, row.warehouse, row.on_hand, row.quality_hold)


@dataclass(frozen=True, slots=True)
class InvoiceChanged:
    """An invoice's new residual, due date or customer (a payment lowers the residual)."""

    invoice_id: str
    customer: str
    due_date: date
    amount_residual: Decimal

    @classmethod
    def of(cls, row: Invoice) -> InvoiceChanged:
        return cls(row.invoice_id, row.customer, row.due_date, row.amount_residual)


#: every change :meth:`ColumnarIncrementalEngine.apply` accepts
Event = (
    OrderLineChanged
    | OrderChanged
    | PromiseChanged
    | PoLineChanged
    | PoLineSlipped
    | ReceiptPosted
    | StockCounted
    | InvoiceChanged
)
