"""What every reference detector reads: the picture, the analysis, the moment, the history.

The reference detectors read value objects (a :class:`~controltower.domain.model.Dataset`
and the reference engine's :class:`~controltower.domain.analysis.Analysis`) through
:class:`DetectionContext`, which indexes them once so that each detector looks things up
in constant time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from controltower.detectors.base import (
    Finding,
    SeverityLadder,
    customer_subject,
    order_subject,
    po_subject,
    pool_subject,
    product_entity,
    severity_on_ladder,
    supplier_entity,
    warehouse_subject,
)
from controltower.domain.analysis import (
    AllocationPolicy,
    Analysis,
    Blocker,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
)
from controltower.domain.cases import CaseOccurrence, ExceptionType, Severity
from controltower.domain.model import (
    TIER_RANK,
    Customer,
    Dataset,
    Invoice,
    Pick,
    PickStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    Tier,
    Warehouse,
)
from controltower_oracle.pegging import is_open_supply


@dataclass(frozen=True, slots=True)
class PegOnPo:
    """Units of one order line pegged to one purchase-order line."""

    order: OrderOutcome
    line: LineOutcome
    peg: InboundPeg


class DetectionContext:
    """The picture, the analysis, the detection time and history, with their look-ups.

    Built once per detection run; every index is made up front so each detector reads
    in constant time whatever the size of the picture.
    """

    def __init__(
        self,
        dataset: Dataset,
        analysis: Analysis,
        *,
        detected_at: datetime,
        ladder: SeverityLadder,
        history: Sequence[CaseOccurrence] = (),
        allocation: AllocationPolicy = AllocationPolicy(),
    ) -> None:
        self.dataset = dataset
        self.analysis = analysis
        self.detected_at = detected_at
        self.ladder = ladder
        self.history = tuple(history)
        #: this run's findings that open or reopen a case now, which recurrence counts
        #: with the history (set by ``run_catalogue`` before the recurring detector)
        self.arising: tuple[Finding, ...] = ()
        #: (type, subject) of every finding of this run before the recurring detector:
        #: the cases open now, which a review tells from those already cleared
        self.current: frozenset[tuple[ExceptionType, str]] = frozenset()
        #: the allocation rules the analysis was made with (credit explanations cite them)
        self.allocation = allocation
        self._products = {p.sku: p for p in dataset.products}
        self._customers = {c.code: c for c in dataset.customers}
        self._suppliers = {s.code: s for s in dataset.suppliers}
        self._warehouses = {w.code: w for w in dataset.warehouses}
        self._orders = {o.order_id: o for o in dataset.sales_orders}
        self._outcomes = {o.order_id: o for o in analysis.orders}
        self._outcomes_of_customer: dict[str, list[OrderOutcome]] = defaultdict(list)
        self._outcomes_in_warehouse: dict[str, list[OrderOutcome]] = defaultdict(list)
        for outcome in analysis.orders:
            self._outcomes_of_customer[outcome.customer].append(outcome)
            self._outcomes_in_warehouse[outcome.warehouse].append(outcome)
        self._purchase_orders = {p.po_id: p for p in dataset.purchase_orders}
        self._stock = {(s.sku, s.warehouse): s for s in dataset.stock}
        self._order_lines: dict[str, list[SalesOrderLine]] = defaultdict(list)
        for order_line in sorted(dataset.sales_order_lines, key=lambda ln: (ln.order_id, ln.line)):
            self._order_lines[order_line.order_id].append(order_line)
        self._pegs_on_po: dict[str, list[PegOnPo]] = defaultdict(list)
        for outcome in analysis.orders:
            for line in outcome.lines:
                for peg in line.from_inbound:
                    self._pegs_on_po[peg.po_id].append(PegOnPo(outcome, line, peg))
        self._po_lines: dict[str, list[PurchaseOrderLine]] = defaultdict(list)
        self._open_po_lines: dict[tuple[str, str], list[PurchaseOrderLine]] = defaultdict(list)
        for po_line in sorted(dataset.purchase_order_lines, key=lambda ln: (ln.po_id, ln.line)):
            self._po_lines[po_line.po_id].append(po_line)
            order = self._purchase_orders.get(po_line.po_id)
            if order is not None and is_open_supply(order, po_line):
                self._open_po_lines[(po_line.sku, order.warehouse)].append(po_line)
        self._invoices: dict[str, list[Invoice]] = defaultdict(list)
        for invoice in dataset.invoices:
            self._invoices[invoice.customer].append(invoice)
        self._open_picks: dict[str, list[Pick]] = defaultdict(list)
        for pick in dataset.picks:
            if pick.status is PickStatus.OPEN:
                self._open_picks[pick.warehouse].append(pick)

    @property
    def as_of(self) -> date:
        """The analysis date D: day-counting thresholds count from it."""
        return self.analysis.as_of

    def product(self, sku: str) -> Product | None:
        return self._products.get(sku)

    def customer(self, code: str) -> Customer | None:
        return self._customers.get(code)

    def supplier(self, code: str) -> Supplier | None:
        return self._suppliers.get(code)

    def warehouse(self, code: str) -> Warehouse | None:
        return self._warehouses.get(code)

    def sales_order(self, order_id: str) -> SalesOrder | None:
        return self._orders.get(order_id)

    def sales_order_lines(self, order_id: str) -> list[SalesOrderLine]:
        """Every line of ``order_id``, by line number."""
        return self._order_lines.get(order_id, [])

    def sales_order_line(self, order_id: str, line: int) -> SalesOrderLine | None:
        return next((ln for ln in self.sales_order_lines(order_id) if ln.line == line), None)

    def outcome(self, order_id: str) -> OrderOutcome | None:
        return self._outcomes.get(order_id)

    def outcomes_of_customer(self, customer: str) -> list[OrderOutcome]:
        """The customer's open orders as analysed, in analysis order."""
        return self._outcomes_of_customer.get(customer, [])

    def outcomes_in_warehouse(self, warehouse: str) -> list[OrderOutcome]:
        """The warehouse's open orders as analysed, in analysis order."""
        return self._outcomes_in_warehouse.get(warehouse, [])

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return self._purchase_orders.get(po_id)

    def stock(self, sku: str, warehouse: str) -> StockLevel | None:
        return self._stock.get((sku, warehouse))

    def pegs_on(self, po_id: str) -> list[PegOnPo]:
        """Every order line's units pegged to ``po_id``, in analysis order."""
        return self._pegs_on_po.get(po_id, [])

    def purchase_order_lines(self, po_id: str) -> list[PurchaseOrderLine]:
        """Every line of ``po_id``, by line number."""
        return self._po_lines.get(po_id, [])

    def purchase_order_line(self, po_id: str, line: int) -> PurchaseOrderLine | None:
        return next((ln for ln in self.purchase_order_lines(po_id) if ln.line == line), None)

    def short_in_pool(self, sku: str, warehouse: str) -> bool:
        """Whether some demand of the pool is left without supply."""
        pool = self.analysis.pools.get((sku, warehouse))
        return pool is not None and pool.short > 0

    def open_po_lines(self, sku: str, warehouse: str) -> list[PurchaseOrderLine]:
        """Lines of open purchase orders still to receive into the pool."""
        return self._open_po_lines.get((sku, warehouse), [])

    def invoices_of(self, customer: str) -> list[Invoice]:
        return self._invoices.get(customer, [])

    def open_picks(self, warehouse: str) -> list[Pick]:
        return self._open_picks.get(warehouse, [])

    def company_of_warehouse(self, code: str) -> str | None:
        warehouse = self.warehouse(code)
        return warehouse.company if warehouse is not None else None

    def company_of_customer(self, code: str) -> str | None:
        """The one company a customer's open orders belong to (or the only one there is)."""
        companies = {
            self.company_of_warehouse(o.warehouse) for o in self.outcomes_of_customer(code)
        } - {None}
        if len(companies) == 1:
            return companies.pop()
        every = self.dataset.companies()
        return every[0] if len(every) == 1 else None

    def tier_of(self, customer: str) -> Tier | None:
        found = self.customer(customer)
        return found.tier if found is not None else None

    def customer_phrase(self, code: str) -> str:
        """``C1 (Acme Contracting, strategic)``: who the customer is and how much they count."""
        found = self.customer(code)
        if found is None:
            return code
        named = f"{found.name}, " if found.name else ""
        return f"{code} ({named}{found.tier} customer)"

    @property
    def sole_company(self) -> str | None:
        """The business's company when it has only one (None: several, or none)."""
        every = self.dataset.companies()
        return every[0] if len(every) == 1 else None

    def entity_phrase(self, entity: str) -> str:
        """An entity key in words: ``supplier SUP-ACME (Acme Supplies)``."""
        kind, _, code = entity.partition(":")
        if kind == "customer":
            return f"customer {self.customer_phrase(code)}"
        if kind == "supplier":
            return f"supplier {self.supplier_phrase(code)}"
        if kind == "product":
            found = self.product(code)
            name = found.name if found is not None else None
            return f"product {code} ({name})" if name else f"product {code}"
        return entity

    def supplier_phrase(self, code: str) -> str:
        """``SUP-ACME (Acme Supplies)``, or the bare code when it has no name."""
        found = self.supplier(code)
        return f"{code} ({found.name})" if found is not None and found.name else code

    def top_tier(self, customers: Iterable[str]) -> Tier | None:
        """The most important tier among ``customers`` (None when none is known)."""
        tiers = [t for t in (self.tier_of(c) for c in customers) if t is not None]
        return min(tiers, key=TIER_RANK.__getitem__, default=None)

    def unit_cost(self, sku: str, po_line: PurchaseOrderLine | None = None) -> Decimal:
        """The PO line's unit cost, else the product's, else 0."""
        if po_line is not None and po_line.unit_cost is not None:
            return po_line.unit_cost
        product = self.product(sku)
        if product is not None and product.unit_cost is not None:
            return product.unit_cost
        return Decimal(0)

    def severity_for_value(self, value: Decimal) -> Severity:
        """The severity the value ladder gives ``value`` (each bound is inclusive)."""
        return severity_on_ladder(self.ladder, value)


def order_cause(outcome: OrderOutcome) -> str:
    """The root cause of an order's trouble, as the key its incident is grouped by.

    Credit first (the customer), then a shortage (the first short line's pool); else
    the line that ships last decides: warehouse capacity when capacity alone made it
    late, else its latest source (a purchase order, or the pool's quality-held stock);
    an order with none of these is its own cause.
    """
    if Blocker.CREDIT in outcome.blockers:
        return customer_subject(outcome.customer)
    short = [line for line in outcome.lines if line.short_qty > 0]
    if short:
        first = min(short, key=lambda ln: ln.line)
        return pool_subject(first.sku, first.warehouse)
    dated = [line for line in outcome.lines if line.projected_date is not None]
    if not dated:
        return order_subject(outcome.order_id)
    last = max(dated, key=lambda ln: (ln.projected_date, -ln.line))
    supply_late = last.supply_date is not None and last.supply_date > outcome.promised_date
    if last.capacity_delay_days > 0 and not supply_late:
        return warehouse_subject(last.warehouse)
    latest_inbound = max(last.from_inbound, key=lambda p: p.available_date, default=None)
    latest_held = max((h.available_date for h in last.from_quality_hold), default=None)
    if latest_inbound is not None and (
        latest_held is None or latest_inbound.available_date >= latest_held
    ):
        return po_subject(latest_inbound.po_id)
    if latest_held is not None:
        return pool_subject(last.sku, last.warehouse)
    if last.capacity_delay_days > 0:
        return warehouse_subject(last.warehouse)
    return order_subject(outcome.order_id)


def order_entities(context: DetectionContext, outcome: OrderOutcome) -> tuple[str, ...]:
    """The customer, and the products and suppliers of the lines not simply from stock."""
    entities = {customer_subject(outcome.customer)}
    for line in outcome.lines:
        if line.from_stock >= line.open_qty:
            continue
        entities.add(product_entity(line.sku))
        for peg in line.from_inbound:
            order = context.purchase_order(peg.po_id)
            if order is not None:
                entities.add(supplier_entity(order.supplier))
    return tuple(sorted(entities))
