"""``damaged_receipt``: a recent receipt came in with damaged units.

Damaged units are supply that will not serve demand and a claim the supplier owes.
The trigger is a receipt with ``damaged_qty > 0`` received at most ``lookback_days``
days before D (older damage is history, counted by the vendor scorecard).

Recent receipts with damaged units are chosen with one mask over the receipts table;
only they are looked up and explained.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    po_subject,
    product_entity,
    receipt_subject,
    supplier_entity,
)
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.phrases import RAISED, Phrases
from controltower.detectors.columnar.receipt_rows import receipt_rows
from controltower.domain.cases import ExceptionType
from controltower.domain.explain import format_money

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
    """The damaged_receipt wording, also used by the oracle's reference detector."""
    need = f" {sku} is short in {warehouse}, so the loss hurts demand." if short else ""
    return (
        f"Receipt {receipt_id} on {po_id} from {supplier_phrase}, received in {warehouse} "
        f"{received}, has {damaged_qty} of {qty} {sku} damaged, worth {money}."
        f"{need} Next: quarantine the damaged units, file a claim with "
        f"{supplier} and ask for a replacement."
    )


def detect(context: ColumnarDetectionContext, settings: DamagedReceiptSettings) -> list[Finding]:
    """Every receipt with damaged units at most ``lookback_days`` old."""
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
        findings.append(
            Finding(
                type=ExceptionType.DAMAGED_RECEIPT,
                subject=receipt_subject(receipt_id),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    receipt_id=receipt_id,
                    po_id=found.po_id[i],
                    supplier_phrase=phrases.supplier[supplier],
                    supplier=suppliers[supplier],
                    warehouse=warehouse,
                    received=phrases.day[found.received_day[i]],
                    damaged_qty=phrases.qty[found.damaged_qty[i]],
                    qty=phrases.qty[found.qty[i]],
                    sku=sku,
                    money=format_money(value),
                    short=found.short[i],
                ),
                cause=receipt_subject(receipt_id),
                related=(po_subject(found.po_id[i]),),
                entities=(product_entity(sku), supplier_entity(suppliers[supplier])),
                warehouse=warehouse,
                company=phrases.company_of_warehouse[found.warehouse[i]],
            )
        )
    return findings
