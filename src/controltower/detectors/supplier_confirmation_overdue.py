"""``supplier_confirmation_overdue``: an open PO the supplier has not confirmed in time.

An unconfirmed PO is a date nobody has promised; every order pegged to it rests on
hope. The trigger is an open PO with quantity still to receive, no ``confirmed_date``
and more than ``confirm_within_days`` days since its ``order_date``.
"""

from __future__ import annotations

from collections.abc import Sequence
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

PEGGED_BASIS = "pegged qty x unit price of the order lines waiting on the PO"
UNPEGGED_BASIS = "open qty x unit cost of the PO lines (no order waits on it yet)"


class SupplierConfirmationOverdueSettings(DetectorSettings, Protocol):
    @property
    def confirm_within_days(self) -> int: ...


def explanation(
    *,
    po_id: str,
    supplier_phrase: str,
    supplier: str,
    ordered: str,
    expected: str,
    waited: str,
    allowed: str,
    #: the id, customer and promised date of each order waiting on the PO
    waiting: Sequence[tuple[str, str, str]],
    money: str,
    buyer: str | None,
) -> str:
    """The supplier confirmation wording, shared by the reference detector and its columnar twin."""
    if waiting:
        impact = f"{len(waiting)} order(s) wait on it: " + ", ".join(
            f"{order_id} for {customer} (promised {promised})"
            for order_id, customer, promised in waiting
        )
    else:
        impact = "no order is pegged to it yet"
    return (
        f"{po_id} to {supplier_phrase}, ordered {ordered} and expected {expected}, is still "
        f"not confirmed {waited} after ordering (the policy allows {allowed}); {impact}; "
        f"worth {money}. Next: get {supplier} to confirm a firm date"
        f"{f' (buyer: {buyer})' if buyer else ''}."
    )


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
