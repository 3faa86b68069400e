"""The reference ``damaged_receipt`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
recent receipt came in with damaged units. Its settings, value basis and wording are the
product detector's (:mod:`controltower.detectors.columnar.damaged_receipt`), whose
findings tests hold equal to these.
"""

from __future__ import annotations

from controltower.detectors.base import (
    Finding,
    po_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.detectors.columnar.damaged_receipt import (
    VALUE_BASIS,
    DamagedReceiptSettings,
    explanation,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower_oracle.detectors.context import DetectionContext


def detect(context: DetectionContext, settings: DamagedReceiptSettings) -> list[Finding]:
    findings: list[Finding] = []
    for receipt in sorted(context.dataset.receipts, key=lambda r: r.receipt_id):
        age = (context.as_of - receipt.received_date).days
        if receipt.damaged_qty <= 0 or not 0 <= age <= settings.lookback_days:
            continue
        order = context.purchase_order(receipt.po_id)
        po_line = context.purchase_order_line(receipt.po_id, receipt.line)
        if order is None or po_line is None:
            continue
        value = receipt.damaged_qty * context.unit_cost(po_line.sku, po_line)
        severity = context.severity_for_value(value)
        short = context.short_in_pool(po_line.sku, order.warehouse)
        if short:
            severity = raise_severity(severity)
        findings.append(
            Finding(
                type=ExceptionType.DAMAGED_RECEIPT,
                subject=receipt_subject(receipt.receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    receipt_id=receipt.receipt_id,
                    po_id=receipt.po_id,
                    supplier_phrase=context.supplier_phrase(order.supplier),
                    supplier=order.supplier,
                    warehouse=order.warehouse,
                    received=receipt.received_date.isoformat(),
                    damaged_qty=format_qty(receipt.damaged_qty),
                    qty=format_qty(receipt.qty),
                    sku=po_line.sku,
                    money=format_money(value),
                    short=short,
                ),
                cause=receipt_subject(receipt.receipt_id),
                related=(po_subject(receipt.po_id),),
                entities=(product_entity(po_line.sku), supplier_entity(order.supplier)),
                warehouse=order.warehouse,
                company=context.company_of_warehouse(order.warehouse),
            )
        )
    return findings
