"""A small picture builder for detector tests, run by the product and by the oracle.

The ``picture`` fixture of ``tests/unit/detectors/conftest.py`` hands one out.

Detector tests build the dataset rows and the engine's order outcomes by hand (the
order standing is derived with the reference engine's own pure rules, the oracle's
``risk`` module), so a detector is tested on exactly the facts it reads, independently
of pegging. Every test using the ``picture`` fixture runs twice: against the product's
detectors, over the kernel's arrays holding those facts
(:func:`helpers.stated_columns.stated_columns`), and against the oracle's reference
detectors, over the analysis itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from controltower.detectors.base import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.analysis import (
    Analysis,
    CreditAssessment,
    HeldPeg,
    InboundPeg,
    LineOutcome,
    OrderOutcome,
    PoolOutcome,
    TransferAlternative,
)
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.kernel import analyse_columns
from controltower.domain.model import (
    Customer,
    Dataset,
    Product,
    SalesOrder,
    SalesOrderLine,
    Supplier,
    Tier,
    Warehouse,
)
from controltower.domain.tables import tables_from_dataset
from controltower.policy.model import Policy
from controltower_oracle.detectors import run_detectors
from controltower_oracle.risk import assess_order, open_value
from helpers.stated_columns import completed_dataset, stated_columns

AS_OF = date(2026, 11, 25)  # a Wednesday
DETECTED_AT = datetime(2026, 11, 25, 8, 0)


def days(n: int) -> date:
    """The as-of date moved by ``n`` days."""
    return AS_OF + timedelta(days=n)


#: whose detectors a test runs: the product's (over the kernel's arrays) or the oracle's
Detectors = Literal["product", "oracle"]


@dataclass
class Picture:
    """A dataset and a hand-built analysis, and a way to run one detector on them."""

    detectors: Detectors = "product"
    as_of: date = AS_OF
    detected_at: datetime = DETECTED_AT
    dataset: Dataset = field(
        default_factory=lambda: Dataset(
            warehouses=[
                Warehouse("WH-EAST", "East", company="acme", pick_capacity_lines_per_day=None),
                Warehouse("WH-WEST", "West", company="acme"),
            ],
            products=[
                Product("CBL-2X14", "Cable", unit_cost=Decimal(6), list_price=Decimal(10)),
                Product("BRK-20A", "Breaker", unit_cost=Decimal(20), list_price=Decimal(40)),
            ],
            customers=[
                Customer("C1", "Brightline Electric", tier=Tier.STANDARD),
                Customer("C2", "Harbor Contracting", tier=Tier.STRATEGIC),
            ],
            suppliers=[Supplier("SUP-ACME", "Acme Supplies", lead_days=10)],
        )
    )
    orders: list[OrderOutcome] = field(default_factory=list)
    pools: dict[tuple[str, str], PoolOutcome] = field(default_factory=dict)
    credit: dict[str, CreditAssessment] = field(default_factory=dict)

    def day(self, n: int) -> date:
        """The as-of date moved by ``n`` days."""
        return self.as_of + timedelta(days=n)

    def add(self, *rows: Any) -> None:
        """Append dataset rows, each to its entity list (by row type)."""
        by_type: dict[str, list[Any]] = {
            "Warehouse": self.dataset.warehouses,
            "TransferLane": self.dataset.transfer_lanes,
            "Product": self.dataset.products,
            "Customer": self.dataset.customers,
            "Supplier": self.dataset.suppliers,
            "StockLevel": self.dataset.stock,
            "SalesOrder": self.dataset.sales_orders,
            "SalesOrderLine": self.dataset.sales_order_lines,
            "PurchaseOrder": self.dataset.purchase_orders,
            "PurchaseOrderLine": self.dataset.purchase_order_lines,
            "Receipt": self.dataset.receipts,
            "Invoice": self.dataset.invoices,
            "Return": self.dataset.returns,
            "Pick": self.dataset.picks,
        }
        for row in rows:
            by_type[type(row).__name__].append(row)

    def line(
        self,
        line: int,
        qty: int | str,
        *,
        sku: str = "CBL-2X14",
        price: int | str = 10,
        stock: int | str | None = None,
        inbound: Sequence[tuple[str, int, int | str, date]] = (),
        held: Sequence[tuple[int | str, date]] = (),
        short: int | str = 0,
        supply_date: date | None = None,
        projected: date | None = None,
        alternatives: Sequence[TransferAlternative] = (),
        warehouse: str = "WH-EAST",
    ) -> LineOutcome:
        """A line outcome; the order id is filled in by :meth:`order`.

        ``stock`` defaults to what inbound, held and short leave of ``qty``; the
        projected date defaults to the latest peg date (or D), or None when short.
        """
        open_qty = Decimal(qty)
        pegs = tuple(InboundPeg(po, po_line, Decimal(q), d) for po, po_line, q, d in inbound)
        holds = tuple(HeldPeg(Decimal(q), d) for q, d in held)
        short_qty = Decimal(short)
        from_stock = (
            Decimal(stock)
            if stock is not None
            else open_qty
            - sum((p.qty for p in pegs), Decimal(0))
            - sum((h.qty for h in holds), Decimal(0))
            - short_qty
        )
        dates = [self.as_of, *(p.available_date for p in pegs), *(h.available_date for h in holds)]
        ready = None if short_qty > 0 else (supply_date or max(dates))
        return LineOutcome(
            order_id="",
            line=line,
            sku=sku,
            warehouse=warehouse,
            open_qty=open_qty,
            from_stock=from_stock,
            from_quality_hold=holds,
            from_inbound=pegs,
            short_qty=short_qty,
            projected_date=projected or ready,
            supply_date=ready,
            unit_price=Decimal(price),
            alternatives=tuple(alternatives),
        )

    def order(
        self,
        order_id: str,
        *lines: LineOutcome,
        customer: str = "C1",
        warehouse: str = "WH-EAST",
        promised: date | None = None,
        expedite: bool = False,
        accepts_partial: bool | None = None,
    ) -> OrderOutcome:
        """An open order: its dataset rows and its outcome (standing by the engine's rules)."""
        promised_date = promised or days(2)
        lines = tuple(
            dataclasses.replace(ln, order_id=order_id, warehouse=warehouse) for ln in lines
        )
        self.add(
            SalesOrder(
                order_id,
                customer,
                warehouse,
                order_date=days(-10),
                promised_date=promised_date,
                expedite=expedite,
                accepts_partial=accepts_partial,
            ),
            *(
                SalesOrderLine(order_id, ln.line, ln.sku, ln.open_qty, unit_price=ln.unit_price)
                for ln in lines
            ),
        )
        standing = assess_order(lines, promised_date, self.credit.get(customer))
        outcome = OrderOutcome(
            order_id=order_id,
            customer=customer,
            warehouse=warehouse,
            promised_date=promised_date,
            status=standing.status,
            allocation=standing.allocation,
            blockers=standing.blockers,
            projected_ship_date=standing.projected_ship_date,
            at_risk=standing.at_risk,
            days_late=standing.days_late,
            lines=lines,
            explanation=(f"Engine explanation of {order_id}.",),
            open_value=open_value(lines),
        )
        self.orders.append(outcome)
        return outcome

    def block_credit(self, customer: str, **amounts: Any) -> CreditAssessment:
        """Put ``customer`` on credit hold (or as ``amounts`` say) for orders added later."""
        assessment = CreditAssessment(
            customer=customer,
            on_hold=amounts.pop("on_hold", True),
            credit_limit=amounts.pop("credit_limit", None),
            open_receivables=amounts.pop("open_receivables", Decimal(0)),
            open_order_value=amounts.pop("open_order_value", Decimal(0)),
            overdue_invoices=amounts.pop("overdue_invoices", ()),
        )
        self.credit[customer] = assessment
        return assessment

    def pool(self, sku: str, warehouse: str, *, short: int | str = 0) -> None:
        self.pools[(sku, warehouse)] = PoolOutcome(
            sku=sku,
            warehouse=warehouse,
            physical=Decimal(0),
            quality_held=Decimal(0),
            free_stock=Decimal(0),
            demand=Decimal(0),
            short=Decimal(short),
        )

    @property
    def analysis(self) -> Analysis:
        return Analysis(
            as_of=self.as_of,
            orders=sorted(self.orders, key=lambda o: o.order_id),
            pools=dict(self.pools),
            credit=dict(self.credit),
        )

    def detect(
        self,
        type_: ExceptionType,
        *,
        policy: dict[str, Any] | None = None,
        detected_at: datetime | None = None,
        history: Sequence[CaseOccurrence] = (),
    ) -> list[Finding]:
        """The findings of one type, through the registry (noise control included).

        Both kinds of detector read the dataset completed with the rows the analysis
        names (see :func:`helpers.stated_columns.completed_dataset`).
        """
        chosen = policy_with(policy or {})
        analysis = self.analysis
        dataset = completed_dataset(self.dataset, analysis)
        at = detected_at or self.detected_at
        allocation = chosen.allocation.to_domain()
        if self.detectors == "oracle":
            found = run_detectors(
                dataset,
                analysis,
                chosen.detectors,
                detected_at=at,
                history=history,
                allocation=allocation,
            )
        else:
            tables = tables_from_dataset(dataset)
            kernel = analyse_columns(picture_from_tables(tables, self.as_of, allocation))
            context = ColumnarDetectionContext(
                tables,
                stated_columns(kernel, analysis, dataset),
                detected_at=at,
                ladder=chosen.detectors.severity_by_value,
                history=history,
                allocation=allocation,
            )
            found = run_columnar_detectors(context, chosen.detectors)
        return [f for f in found if f.type is type_]

    def only(self, type_: ExceptionType, **kwargs: Any) -> Finding:
        """The single finding of ``type_`` (fails when there is not exactly one)."""
        found = self.detect(type_, **kwargs)
        assert len(found) == 1, f"expected one {type_}, got {[f.subject for f in found]}"
        return found[0]


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        nested = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if nested else value
    return merged


def policy_with(overrides: dict[str, Any]) -> Policy:
    """The default policy with ``overrides`` (nested like the TOML file) applied."""
    return Policy.model_validate(_merged(Policy().model_dump(), overrides))
