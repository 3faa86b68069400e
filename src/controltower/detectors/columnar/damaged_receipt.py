"""``damaged_receipt`` over columns: the reference detector's findings, found fast.

Recent receipts with damaged units are chosen with one mask over the receipts table;
only they are looked up and explained.
"""

from __future__ import annotations

import numpy as np

from controltower.detectors.base import (
    Finding,
    po_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.detectors.columnar.common_b import RAISED, Phrases, receipt_rows
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.damaged_receipt import DamagedReceiptSettings
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money


def detect(context: ColumnarDetectionContext, settings: DamagedReceiptSettings) -> list[Finding]:
    """Every receipt with damaged units at most ``lookback_days`` old, as the reference."""
    receipts = context.tables.receipts
    age = context.as_of_day - receipts.received_date.astype(np.int64)
    recent = (age >= 0) & (age <= settings.lookback_days)
    found = receipt_rows(context, np.flatnonzero((receipts.damaged_qty > 0) & recent))
    phrases = Phrases(context)
    suppliers = context.tables.vocab.suppliers.codes
    warehouses = context.tables.vocab.warehouses.codes
    findings: list[Finding] = []
    for i, receipt_id in enumerate(found.receipt_id):
        sku, supplier = found.sku[i], found.supplier[i]
        warehouse = warehouses[found.warehouse[i]]
        value = phrases.amount[found.damaged_qty[i]] * phrases.amount[found.unit_cost[i]]
        severity = context.severity_for_value(value)
        if found.short[i]:
            severity = RAISED[severity]
        need = (
            f" {sku} is short in {warehouse}, so the loss hurts demand." if found.short[i] else ""
        )
        findings.append(
            Finding(
                type=ExceptionType.DAMAGED_RECEIPT,
                subject=receipt_subject(receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis="damaged qty x unit cost",
                explanation=(
                    f"Receipt {receipt_id} on {found.po_id[i]} from "
                    f"{phrases.supplier[supplier]}, received in {warehouse} "
                    f"{phrases.day[found.received_day[i]]}, has "
                    f"{phrases.qty[found.damaged_qty[i]]} of {phrases.qty[found.qty[i]]} {sku} "
                    f"damaged, worth {format_money(value)}."
                    f"{need} Next: quarantine the damaged units, file a claim with "
                    f"{suppliers[supplier]} and ask for a replacement."
                ),
                cause=receipt_subject(receipt_id),
                related=(po_subject(found.po_id[i]),),
                entities=(product_entity(sku), supplier_entity(suppliers[supplier])),
                warehouse=warehouse,
                company=phrases.company_of_warehouse[found.warehouse[i]],
            )
        )
    return findings
