"""``inbound_not_put_away``: goods received but not yet put away, so not yet sellable.

Received units sit on the dock until put away; the ERP may count them, pickers cannot
reach them. The trigger is a receipt with ``put_away`` false received more than
``max_days`` days before D.
"""

from __future__ import annotations

from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    po_subject,
    pool_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty, plural
from controltower.domain.model import ZERO


class InboundNotPutAwaySettings(DetectorSettings, Protocol):
    @property
    def max_days(self) -> int: ...


def detect(context: DetectionContext, settings: InboundNotPutAwaySettings) -> list[Finding]:
    findings: list[Finding] = []
    for receipt in sorted(context.dataset.receipts, key=lambda r: r.receipt_id):
        waited = (context.as_of - receipt.received_date).days
        if receipt.put_away or waited <= settings.max_days:
            continue
        order = context.purchase_order(receipt.po_id)
        po_line = context.purchase_order_line(receipt.po_id, receipt.line)
        if order is None or po_line is None:
            continue
        usable = max(receipt.qty - receipt.damaged_qty, ZERO)
        value = usable * context.unit_cost(po_line.sku, po_line)
        severity = context.severity_for_value(value)
        short = context.short_in_pool(po_line.sku, order.warehouse)
        if short:
            severity = raise_severity(severity)
        need = (
            f" Demand for {po_line.sku} in {order.warehouse} is short meanwhile." if short else ""
        )
        findings.append(
            Finding(
                type=ExceptionType.INBOUND_NOT_PUT_AWAY,
                subject=receipt_subject(receipt.receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis="received qty less damaged x unit cost",
                explanation=(
                    f"Receipt {receipt.receipt_id} of {format_qty(receipt.qty)} {po_line.sku} "
                    f"on {receipt.po_id} line {receipt.line}, received in {order.warehouse} "
                    f"{receipt.received_date.isoformat()}, is still not put away after "
                    f"{plural(waited, 'day')} "
                    f"(the policy allows {plural(settings.max_days, 'day')}): "
                    f"{format_money(value)} of goods nobody can pick.{need} Next: put the goods "
                    f"away and confirm the location in the ERP."
                ),
                cause=receipt_subject(receipt.receipt_id),
                related=(po_subject(receipt.po_id), pool_subject(po_line.sku, order.warehouse)),
                entities=(product_entity(po_line.sku), supplier_entity(order.supplier)),
                warehouse=order.warehouse,
                company=context.company_of_warehouse(order.warehouse),
            )
        )
    return findings
