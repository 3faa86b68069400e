"""``supplier_confirmation_overdue``: an open PO the supplier has not confirmed in time.

An unconfirmed PO is a date nobody has promised; every order pegged to it rests on
hope. The trigger is an open PO with quantity still to receive, no ``confirmed_date``
and more than ``confirm_within_days`` days since its ``order_date``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    order_subject,
    po_subject,
    product_entity,
    supplier_entity,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, plural
from controltower.domain.model import OrderStatus


class SupplierConfirmationOverdueSettings(DetectorSettings, Protocol):
    @property
    def confirm_within_days(self) -> int: ...


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
            basis = "pegged qty x unit price of the order lines waiting on the PO"
        else:
            value = sum(
                (ln.open_qty * context.unit_cost(ln.sku, ln) for ln in open_lines), Decimal(0)
            )
            basis = "open qty x unit cost of the PO lines (no order waits on it yet)"
        waiting = sorted({p.order.order_id for p in pegs})
        severity = context.severity_for_value(value)
        if any(p.order.at_risk for p in pegs):
            severity = raise_severity(severity)
        if waiting:
            impact = f"{len(waiting)} order(s) wait on it: " + ", ".join(
                f"{p.order.order_id} for {p.order.customer} (promised "
                f"{p.order.promised_date.isoformat()})"
                for p in {p.order.order_id: p for p in pegs}.values()
            )
        else:
            impact = "no order is pegged to it yet"
        buyer = f" (buyer: {order.buyer})" if order.buyer else ""
        findings.append(
            Finding(
                type=ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
                subject=po_subject(order.po_id),
                severity=severity,
                value_at_risk=value,
                value_basis=basis,
                explanation=(
                    f"{order.po_id} to {context.supplier_phrase(order.supplier)}, ordered "
                    f"{order.order_date.isoformat()} and expected "
                    f"{order.expected_date.isoformat()}, is still not confirmed "
                    f"{plural(waited, 'day')} after ordering (the policy allows "
                    f"{plural(settings.confirm_within_days, 'day')}); {impact}; "
                    f"worth {format_money(value)}. "
                    f"Next: get {order.supplier} to confirm a firm date{buyer}."
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
