"""Response schemas of search and of the customer, supplier, purchase order and product
endpoints.

Every list that can grow with the business (a customer's orders, a supplier's purchase
orders) is one page, with ``total`` and ``last_page`` as every list response has them;
each entity carries the ``url`` of its page, so a client links to the same place the
pages do. Money and quantities are JSON numbers, as everywhere in Control Tower.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from controltower.api.schemas import CasePublic, JsonNumber, OrderPublic, PagedPublic, ScanPublic
from controltower.domain.analysis import OrderRiskStatus
from controltower.domain.model import OrderStatus, Tier
from controltower.storage.queries.purchasing import PurchaseOrderShow
from controltower.storage.queries.search import MatchKind

# --- Search ----------------------------------------------------------------------------


class SearchMatchPublic(BaseModel):
    """One thing found: what it is, its code, a few words about it and its page."""

    kind: MatchKind
    kind_label: str
    code: str
    label: str
    url: str
    #: the code is the text searched for (whatever the case)
    exact: bool


class SearchPublic(BaseModel):
    """What a search found, grouped by kind: exact matches first, then a fair share of
    each kind, at most ``limit`` in all."""

    q: str
    limit: int
    items: list[SearchMatchPublic]


# --- What every entity response shares -------------------------------------------------


class EntityPublic(BaseModel):
    """The picture an entity was read from and the scan its orders and cases reflect."""

    picture_id: int
    companies: list[str]
    scan: ScanPublic
    url: str


class OrderPagePublic(PagedPublic):
    items: list[OrderPublic]


class CasePagePublic(PagedPublic):
    """Active cases, the most severe first, then the soonest due."""

    items: list[CasePublic]


# --- A customer ------------------------------------------------------------------------


class InvoicePublic(BaseModel):
    invoice_id: str
    due_date: date
    amount_residual: JsonNumber
    disputed: bool
    #: residual above 0 and due before the scan's as-of date
    overdue: bool
    days_overdue: int


class InvoicePagePublic(PagedPublic):
    """Invoices overdue or disputed, the soonest due first."""

    items: list[InvoicePublic]


class ExposurePublic(BaseModel):
    """What the customer owes and has on order, against its credit limit.

    ``receivables`` is every invoice's residual (credit notes and disputed ones too);
    the orders are the open orders of the latest scan you may see.
    """

    receivables: JsonNumber
    overdue_receivables: JsonNumber
    disputed_receivables: JsonNumber
    open_orders: int
    open_order_value: JsonNumber
    at_risk_orders: int
    value_at_risk: JsonNumber
    #: receivables plus open order value
    exposure: JsonNumber
    credit_limit: JsonNumber | None
    #: exposure strictly above the limit (null: no limit)
    over_limit: bool | None
    #: limit minus exposure (null: no limit)
    headroom: JsonNumber | None


class CustomerPublic(EntityPublic):
    code: str
    name: str | None
    tier: Tier
    credit_limit: JsonNumber | None
    credit_hold: bool
    account_owner: str | None
    accepts_partial: bool
    exposure: ExposurePublic
    #: open orders, the most urgent first
    orders: OrderPagePublic
    invoices: InvoicePagePublic
    cases: CasePagePublic


# --- Suppliers and purchase orders -----------------------------------------------------


class PurchaseOrderSummaryPublic(BaseModel):
    po_id: str
    supplier: str
    warehouse: str
    order_date: date
    expected_date: date
    confirmed_date: date | None
    status: OrderStatus
    buyer: str | None
    #: open and expected before the scan's as-of date
    late: bool
    days_late: int
    #: open quantity times unit cost over its lines (the product's cost when a line has none)
    open_value: JsonNumber
    url: str


class PurchaseOrderPagePublic(PagedPublic):
    """Open purchase orders (all, late or unconfirmed), the soonest expected first."""

    show: PurchaseOrderShow
    items: list[PurchaseOrderSummaryPublic]


class SupplierPublic(EntityPublic):
    code: str
    name: str | None
    lead_days: int | None
    open_purchase_orders: int
    late_purchase_orders: int
    unconfirmed_purchase_orders: int
    #: open orders with a line pegged to one of the supplier's open purchase orders
    waiting_orders: int
    waiting_value: JsonNumber
    purchase_orders: PurchaseOrderPagePublic
    cases: CasePagePublic


class PurchaseOrderLinePublic(BaseModel):
    line: int
    sku: str
    qty: JsonNumber
    qty_received: JsonNumber
    open_qty: JsonNumber
    #: the line's own expected date, else the purchase order's
    expected_date: date
    unit_cost: JsonNumber | None


class PurchaseOrderLinePagePublic(PagedPublic):
    items: list[PurchaseOrderLinePublic]


class ReceiptPublic(BaseModel):
    receipt_id: str
    line: int
    received_date: date
    qty: JsonNumber
    damaged_qty: JsonNumber
    put_away: bool


class ReceiptPagePublic(PagedPublic):
    items: list[ReceiptPublic]


class PegPublic(BaseModel):
    """Units of one order line covered by one line of the purchase order."""

    order_line: int
    po_line: int
    qty: JsonNumber
    available_date: date


class PeggedOrderPublic(BaseModel):
    order_id: str
    customer: str
    warehouse: str
    status: OrderRiskStatus
    status_label: str
    at_risk: bool
    promised_date: date
    projected_ship_date: date | None
    days_late: int | None
    open_value: JsonNumber
    pegs: list[PegPublic]
    url: str


class PeggedOrderPagePublic(PagedPublic):
    """Open orders with a line waiting on the purchase order, by order id."""

    items: list[PeggedOrderPublic]


class PurchaseOrderPublic(EntityPublic):
    purchase_order: PurchaseOrderSummaryPublic
    supplier_name: str | None
    supplier_url: str
    lines: PurchaseOrderLinePagePublic
    receipts: ReceiptPagePublic
    pegged_orders: PeggedOrderPagePublic
    cases: CasePagePublic


# --- A product -------------------------------------------------------------------------


class StockPositionPublic(BaseModel):
    """The product at one warehouse."""

    warehouse: str
    on_hand: JsonNumber
    quality_hold: JsonNumber
    #: on hand less quality hold
    usable: JsonNumber
    #: open quantity of open order lines shipping from here
    open_demand: JsonNumber
    #: open quantity of open purchase order lines arriving here
    inbound: JsonNumber


class DemandLinePublic(BaseModel):
    order_id: str
    line: int
    customer: str
    warehouse: str
    promised_date: date
    open_qty: JsonNumber


class DemandLinePagePublic(PagedPublic):
    """Open order lines of the product, by order id."""

    items: list[DemandLinePublic]


class InboundLinePublic(BaseModel):
    po_id: str
    line: int
    supplier: str
    warehouse: str
    expected_date: date
    confirmed_date: date | None
    late: bool
    open_qty: JsonNumber


class InboundLinePagePublic(PagedPublic):
    """Open purchase order lines of the product, by purchase order id."""

    items: list[InboundLinePublic]


class ProductPublic(EntityPublic):
    sku: str
    name: str | None
    uom: str
    unit_cost: JsonNumber | None
    list_price: JsonNumber | None
    reorder_point: JsonNumber | None
    reorder_qty: JsonNumber | None
    #: one per warehouse you may see where the product has stock, demand or inbound
    positions: list[StockPositionPublic]
    demand: DemandLinePagePublic
    inbound: InboundLinePagePublic
    cases: CasePagePublic
