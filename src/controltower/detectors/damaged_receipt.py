"""``damaged_receipt``: a recent receipt came in with damaged units.

Damaged units are supply that will not serve demand and a claim the supplier owes.
The trigger is a receipt with ``damaged_qty > 0`` received at most ``lookback_days``
days before D (older damage is history, counted by the vendor scorecard).
"""

from __future__ import annotations

from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    po_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty

VALUE_BASIS = "damaged qty x unit cost"


class DamagedReceiptSettings(DetectorSettings, Protocol):
    @property
    def lookback_days(self) -> int: ...


def explanation(
    *,
    receipt_id: str,
    po_id: str,
    supplier_phrase: str,
    supplier: str,
    warehouse: str,
    received: str,
    damaged_qty: str,
    qty: str,
    sku: str,
    money: str,
    short: bool,
) -> str:
    """The damaged_receipt wording, shared by the reference detector and its columnar twin."""
    need = f" {sku} is short in {warehouse}, so the loss hurts demand." if short else ""
    return (
        f"Receipt {receipt_id} on {po_id} from {supplier_phrase}, received in {warehouse} "
        f"{received}, has {damaged_qty} of {qty} {sku} damaged, worth {money}."
        f"{need} Next: quarantine the damaged units, file a claim with "
        f"{supplier} and ask for a replacement."
    )


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
