"""``inbound_not_put_away``: goods received but not yet put away, so not yet sellable.

Received units sit on the dock until put away; the ERP may count them, pickers cannot
reach them. The trigger is a receipt with ``put_away`` false received more than
``max_days`` days before D.

Receipts not put away and waiting longer than the policy allows are chosen with one
mask over the receipts table; only they are looked up and explained.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    po_subject,
    pool_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Phrases
from controltower.detectors.columnar.receipt_rows import receipt_rows
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money, plural
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
    """The inbound_not_put_away wording, also used by the oracle's reference detector."""
    need = f" Demand for {sku} in {warehouse} is short meanwhile." if short else ""
    return (
        f"Receipt {receipt_id} of {qty} {sku} on {po_id} line {line}, received in {warehouse} "
        f"{received}, is still not put away after {waited} (the policy allows {allowed}): "
        f"{money} of goods nobody can pick.{need} Next: put the goods "
        f"away and confirm the location in the ERP."
    )


def detect(context: ColumnarDetectionContext, settings: InboundNotPutAwaySettings) -> list[Finding]:
    """Every receipt still on the dock after ``max_days`` days."""
    receipts = context.tables.receipts
    waited = context.as_of_day - receipts.received_date.astype(np.int64)
    found = receipt_rows(context, np.flatnonzero(~receipts.put_away & (waited > settings.max_days)))
    phrases = Phrases(context)
    suppliers = context.tables.vocab.suppliers.codes
    warehouses = context.tables.vocab.warehouses.codes
    allowed = plural(settings.max_days, "day")
    findings: list[Finding] = []
    for i, days in enumerate(waited[found.rows].tolist()):
        receipt_id, po_id, sku = found.receipt_id[i], found.po_id[i], found.sku[i]
        warehouse = warehouses[found.warehouse[i]]
        usable = max(phrases.amount[found.qty[i]] - phrases.amount[found.damaged_qty[i]], ZERO)
        value = usable * phrases.amount[found.unit_cost[i]]
        severity = context.severity_for_value(value)
        if found.short[i]:
            severity = RAISED[severity]
        findings.append(
            Finding(
                type=ExceptionType.INBOUND_NOT_PUT_AWAY,
                subject=receipt_subject(receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    receipt_id=receipt_id,
                    qty=phrases.qty[found.qty[i]],
                    sku=sku,
                    po_id=po_id,
                    line=found.line[i],
                    warehouse=warehouse,
                    received=phrases.day[found.received_day[i]],
                    waited=plural(days, "day"),
                    allowed=allowed,
                    money=format_money(value),
                    short=found.short[i],
                ),
                cause=receipt_subject(receipt_id),
                related=(po_subject(po_id), pool_subject(sku, warehouse)),
                entities=(product_entity(sku), supplier_entity(suppliers[found.supplier[i]])),
                warehouse=warehouse,
                company=phrases.company_of_warehouse[found.warehouse[i]],
            )
        )
    return findings
