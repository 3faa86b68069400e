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

VALUE_BASIS = "received qty less damaged x unit cost"


class InboundNotPutAwaySettings(DetectorSettings, Protocol):
    @property
    def max_days(self) -> int: ...


def explanation(
    *,
    receipt_id: str,
    qty: str,
    sku: str,
    po_id: str,
    line: int,
    warehouse: str,
    received: str,
    waited: str,
    allowed: str,
    money: str,
    short: bool,
) -> str:
    """The inbound_not_put_away wording, shared by the reference detector and its columnar twin."""
    need = f" Demand for {sku} in {warehouse} is short meanwhile." if short else ""
    return (
        f"Receipt {receipt_id} of {qty} {sku} on {po_id} line {line}, received in {warehouse} "
        f"{received}, is still not put away after {waited} (the policy allows {allowed}): "
        f"{money} of goods nobody can pick.{need} Next: put the goods "
        f"away and confirm the location in the ERP."
    )


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
