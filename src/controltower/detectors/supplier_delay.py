"""``supplier_delay``: an open PO past its expected date, or slipping past a promise.

A PO line is *overdue* when its expected date is more than ``grace_days`` before D, and
*slipping* when it is expected after the promised date of an order pegged to it. One
finding per PO, listing the orders it hurts: those pegged to it whose promise falls
before the date its units can be picked. It is the root cause those orders' own
``order_at_risk`` exceptions are grouped under.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    PegOnPo,
    order_subject,
    po_subject,
    product_entity,
    supplier_entity,
)
from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import (
    ExceptionType,
    Severity,
    highest_severity,
    raise_severity,
)
from controltower.domain.explain import format_money, plural
from controltower.domain.model import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Tier,
    po_line_expected_date,
)


class SupplierDelaySettings(DetectorSettings, Protocol):
    @property
    def grace_days(self) -> int: ...
    @property
    def days_late_escalation(self) -> int: ...


def _is_slipping(line: PurchaseOrderLine, pegs: list[PegOnPo], order: PurchaseOrder) -> bool:
    """Expected after the promised date of an order pegged to this line."""
    expected = po_line_expected_date(line, order)
    return any(p.peg.line == line.line and expected > p.order.promised_date for p in pegs)


def hurt_orders(pegs: list[PegOnPo]) -> list[OrderOutcome]:
    """Orders pegged to the PO whose promise falls before its units can be picked."""
    hurt = {p.order.order_id: p.order for p in pegs if p.peg.available_date > p.order.promised_date}
    return [hurt[k] for k in sorted(hurt)]


def _lateness(
    context: DetectionContext, order: PurchaseOrder, lines: list[PurchaseOrderLine]
) -> str:
    expected = min(po_line_expected_date(ln, order) for ln in lines)
    overdue = (context.as_of - expected).days
    confirmed = (
        f"confirmed {order.confirmed_date.isoformat()}"
        if order.confirmed_date is not None
        else "never confirmed by the supplier"
    )
    if overdue > 0:
        return (
            f"is {plural(overdue, 'day')} past its expected date {expected.isoformat()} "
            f"({confirmed})"
        )
    return (
        f"is expected {expected.isoformat()}, after the promised date of an order waiting "
        f"on it ({confirmed})"
    )


def detect(context: DetectionContext, settings: SupplierDelaySettings) -> list[Finding]:
    findings: list[Finding] = []
    for order in sorted(context.dataset.purchase_orders, key=lambda po: po.po_id):
        if order.status is not OrderStatus.OPEN:
            continue
        pegs = context.pegs_on(order.po_id)
        late_lines = [
            ln
            for ln in context.purchase_order_lines(order.po_id)
            if ln.open_qty > 0
            and (
                (context.as_of - po_line_expected_date(ln, order)).days > settings.grace_days
                or _is_slipping(ln, pegs, order)
            )
        ]
        if not late_lines:
            continue
        hurt = hurt_orders(pegs)
        overdue_days = max(
            (context.as_of - po_line_expected_date(ln, order)).days for ln in late_lines
        )
        if hurt:
            value = sum((o.open_value for o in hurt), Decimal(0))
            basis = "open value of the orders the delay makes late"
            floor = Severity.MEDIUM
        else:
            value = sum(
                (ln.open_qty * context.unit_cost(ln.sku, ln) for ln in late_lines), Decimal(0)
            )
            basis = "open qty x unit cost of the late PO lines (no order hurt yet)"
            floor = Severity.LOW
        tier = context.top_tier(o.customer for o in hurt)
        severity = highest_severity([floor, context.severity_for_value(value)])
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        if overdue_days >= settings.days_late_escalation:
            severity = raise_severity(severity)
        if hurt:
            impact = f"It makes {len(hurt)} order(s) late: " + "; ".join(
                f"{o.order_id} for {context.customer_phrase(o.customer)}, promised "
                f"{o.promised_date.isoformat()}, worth {format_money(o.open_value)}"
                for o in hurt
            )
        else:
            impact = "No order is late because of it yet"
        skus = ", ".join(sorted({ln.sku for ln in late_lines}))
        buyer = f" (buyer: {order.buyer})" if order.buyer else ""
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_DELAY,
                subject=po_subject(order.po_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=(
                    f"{order.po_id} from {context.supplier_phrase(order.supplier)} for {skus} "
                    f"into {order.warehouse} {_lateness(context, order, late_lines)}. "
                    f"{impact}. Next: chase {order.supplier} for a firm, earlier date{buyer}; "
                    f"look for a transfer or another supplier; tell customer service the "
                    f"revised dates."
                ),
                cause=po_subject(order.po_id),
                related=tuple(order_subject(o.order_id) for o in hurt),
                entities=tuple(
                    sorted(
                        {supplier_entity(order.supplier)}
                        | {product_entity(ln.sku) for ln in late_lines}
                    )
                ),
                warehouse=order.warehouse,
                company=context.company_of_warehouse(order.warehouse),
                customer_tier=tier,
            )
        )
    return findings
