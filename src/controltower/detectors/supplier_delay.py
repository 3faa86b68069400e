"""``supplier_delay``: an open PO past its expected date, or slipping past a promise.

A PO line is *overdue* when its expected date is more than ``grace_days`` before D, and
*slipping* when it is expected after the promised date of an order pegged to it. One
finding per PO, listing the orders it hurts: those pegged to it whose promise falls
before the date its units can be picked. It is the root cause those orders' own
``order_at_risk`` exceptions are grouped under.
"""

from __future__ import annotations

from collections.abc import Sequence
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


#: how the value at risk is worked out when the delay makes orders late
HURT_BASIS = "open value of the orders the delay makes late"
#: how it is worked out while no order is late because of it
UNHURT_BASIS = "open qty x unit cost of the late PO lines (no order hurt yet)"


def explanation(
    *,
    po_id: str,
    supplier: str,
    supplier_phrase: str,
    skus: Sequence[str],
    warehouse: str,
    days_past_expected: int,
    expected: str,
    confirmed: str | None,
    hurt: Sequence[tuple[str, str, str, str]],
    buyer: str | None,
) -> str:
    """The detector's wording, shared by the reference detector and its columnar twin.

    ``expected`` is the date of the PO's earliest late line and ``days_past_expected``
    how far D is past it; ``confirmed`` is the supplier's confirmation date (None when
    never confirmed); ``hurt`` holds each order the delay makes late as its id, customer
    phrase, promised date and open value.
    """
    confirmation = (
        f"confirmed {confirmed}" if confirmed is not None else "never confirmed by the supplier"
    )
    if days_past_expected > 0:
        lateness = (
            f"is {plural(days_past_expected, 'day')} past its expected date {expected} "
            f"({confirmation})"
        )
    else:
        lateness = (
            f"is expected {expected}, after the promised date of an order waiting "
            f"on it ({confirmation})"
        )
    if hurt:
        impact = f"It makes {len(hurt)} order(s) late: " + "; ".join(
            [f"{o} for {c}, promised {d}, worth {v}" for o, c, d, v in hurt]
        )
    else:
        impact = "No order is late because of it yet"
    buyer_note = f" (buyer: {buyer})" if buyer else ""
    return (
        f"{po_id} from {supplier_phrase} for {', '.join(skus)} into {warehouse} {lateness}. "
        f"{impact}. Next: chase {supplier} for a firm, earlier date{buyer_note}; "
        f"look for a transfer or another supplier; tell customer service the revised dates."
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
