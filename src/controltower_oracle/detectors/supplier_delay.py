"""The reference ``supplier_delay`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
open PO past its expected date, or slipping past a promise. Its settings, value basis
and wording are the product detector's
(:mod:`controltower.detectors.columnar.supplier_delay`), whose findings tests hold equal
to these.
"""

from __future__ import annotations

from decimal import Decimal

from controltower.detectors.base import (
    Finding,
    order_subject,
    po_subject,
    product_entity,
    supplier_entity,
)
from controltower.detectors.columnar.supplier_delay import (
    HURT_BASIS,
    UNHURT_BASIS,
    SupplierDelaySettings,
    explanation,
)
from controltower.domain.analysis import OrderOutcome
from controltower.domain.cases import (
    UNHURT_CEILING,
    ExceptionType,
    Severity,
    at_most,
    highest_severity,
    raise_severity,
)
from controltower.domain.explain import format_money
from controltower.domain.model import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Tier,
    po_line_expected_date,
)
from controltower_oracle.detectors.context import DetectionContext, PegOnPo


def _is_slipping(line: PurchaseOrderLine, pegs: list[PegOnPo], order: PurchaseOrder) -> bool:
    """Expected after the promised date of an order pegged to this line."""
    expected = po_line_expected_date(line, order)
    return any(p.peg.line == line.line and expected > p.order.promised_date for p in pegs)


def hurt_orders(pegs: list[PegOnPo]) -> list[OrderOutcome]:
    """Orders pegged to the PO whose promise falls before its units can be picked."""
    hurt = {p.order.order_id: p.order for p in pegs if p.peg.available_date > p.order.promised_date}
    return [hurt[k] for k in sorted(hurt)]


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
            basis = HURT_BASIS
            floor = Severity.MEDIUM
        else:
            value = sum(
                (ln.open_qty * context.unit_cost(ln.sku, ln) for ln in late_lines), Decimal(0)
            )
            basis = UNHURT_BASIS
            floor = Severity.LOW
        tier = context.top_tier(o.customer for o in hurt)
        severity = highest_severity([floor, context.severity_for_value(value)])
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        if overdue_days >= settings.days_late_escalation:
            severity = raise_severity(severity)
        if not hurt:
            severity = at_most(severity, UNHURT_CEILING)
        earliest = min(po_line_expected_date(ln, order) for ln in late_lines)
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_DELAY,
                subject=po_subject(order.po_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=explanation(
                    po_id=order.po_id,
                    supplier=order.supplier,
                    supplier_phrase=context.supplier_phrase(order.supplier),
                    skus=sorted({ln.sku for ln in late_lines}),
                    warehouse=order.warehouse,
                    days_past_expected=(context.as_of - earliest).days,
                    expected=earliest.isoformat(),
                    confirmed=(
                        order.confirmed_date.isoformat()
                        if order.confirmed_date is not None
                        else None
                    ),
                    hurt=[
                        (
                            o.order_id,
                            context.customer_phrase(o.customer),
                            o.promised_date.isoformat(),
                            format_money(o.open_value),
                        )
                        for o in hurt
                    ],
                    buyer=order.buyer,
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
