"""The reference ``supplier_confirmation_overdue`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
open PO the supplier has not confirmed in time. Its settings, value basis and wording
are the product detector's
(:mod:`controltower.detectors.columnar.supplier_confirmation_overdue`), whose findings
tests hold equal to these.
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
from controltower.detectors.columnar.supplier_confirmation_overdue import (
    PEGGED_BASIS,
    UNPEGGED_BASIS,
    SupplierConfirmationOverdueSettings,
    explanation,
)
from controltower.domain.cases import UNHURT_CEILING, ExceptionType, at_most, raise_severity
from controltower.domain.explain import format_money, plural
from controltower.domain.model import OrderStatus
from controltower_oracle.detectors.context import DetectionContext


def detect(
    context: DetectionContext, settings: SupplierConfirmationOverdueSettings
) -> list[Finding]:
    findings: list[Finding] = []
    for order in sorted(context.dataset.purchase_orders, key=lambda po: po.po_id):
        if order.status is not OrderStatus.OPEN or order.confirmed_date is not None:
            continue
        open_lines = [ln for ln in context.purchase_order_lines(order.po_id) if ln.open_qty > 0]
        waited = (context.as_of - order.order_date).days
        if not open_lines or waited <= settings.confirm_within_days:
            continue
        pegs = context.pegs_on(order.po_id)
        if pegs:
            value = sum((p.peg.qty * p.line.unit_price for p in pegs), Decimal(0))
            basis = PEGGED_BASIS
        else:
            value = sum(
                (ln.open_qty * context.unit_cost(ln.sku, ln) for ln in open_lines), Decimal(0)
            )
            basis = UNPEGGED_BASIS
        waiting = sorted({p.order.order_id for p in pegs})
        severity = context.severity_for_value(value)
        if any(p.order.at_risk for p in pegs):
            severity = raise_severity(severity)
        else:
            severity = at_most(severity, UNHURT_CEILING)
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
                subject=po_subject(order.po_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=explanation(
                    po_id=order.po_id,
                    supplier_phrase=context.supplier_phrase(order.supplier),
                    supplier=order.supplier,
                    ordered=order.order_date.isoformat(),
                    expected=order.expected_date.isoformat(),
                    waited=plural(waited, "day"),
                    allowed=plural(settings.confirm_within_days, "day"),
                    waiting=[
                        (p.order.order_id, p.order.customer, p.order.promised_date.isoformat())
                        for p in {p.order.order_id: p for p in pegs}.values()
                    ],
                    money=format_money(value),
                    buyer=order.buyer,
                ),
                cause=po_subject(order.po_id),
                related=tuple(order_subject(o) for o in waiting),
                entities=tuple(
                    sorted(
                        {supplier_entity(order.supplier)}
                        | {product_entity(ln.sku) for ln in open_lines}
                    )
                ),
                warehouse=order.warehouse,
                company=context.company_of_warehouse(order.warehouse),
                customer_tier=context.top_tier(p.order.customer for p in pegs),
            )
        )
    return findings
