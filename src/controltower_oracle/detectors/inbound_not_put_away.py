"""The reference ``inbound_not_put_away`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds
goods received but not yet put away, so not yet sellable. Its settings, value basis and
wording are the product detector's
(:mod:`controltower.detectors.columnar.inbound_not_put_away`), whose findings tests hold
equal to these.
"""

from __future__ import annotations

from controltower.detectors.base import (
    Finding,
    po_subject,
    pool_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.detectors.columnar.inbound_not_put_away import (
    VALUE_BASIS,
    InboundNotPutAwaySettings,
    explanation,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty, plural
from controltower.domain.model import ZERO
from controltower_oracle.detectors.context import DetectionContext


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
        findings.append(
            Finding(
                type=ExceptionType.INBOUND_NOT_PUT_AWAY,
                subject=receipt_subject(receipt.receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    receipt_id=receipt.receipt_id,
                    qty=format_qty(receipt.qty),
                    sku=po_line.sku,
                    po_id=receipt.po_id,
                    line=receipt.line,
                    warehouse=order.warehouse,
                    received=receipt.received_date.isoformat(),
                    waited=plural(waited, "day"),
                    allowed=plural(settings.max_days, "day"),
                    money=format_money(value),
                    short=short,
                ),
                cause=receipt_subject(receipt.receipt_id),
                related=(po_subject(receipt.po_id), pool_subject(po_line.sku, order.warehouse)),
                entities=(product_entity(po_line.sku), supplier_entity(order.supplier)),
                warehouse=order.warehouse,
                company=context.company_of_warehouse(order.warehouse),
            )
        )
    return findings
