"""The reference ``quality_hold`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds
demand waiting on stock that quality is holding. Its settings, value basis and wording
are the product detector's (:mod:`controltower.detectors.columnar.quality_hold`), whose
findings tests hold equal to these.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    order_subject,
    pool_subject,
    product_entity,
)
from controltower.detectors.columnar.quality_hold import VALUE_BASIS, explanation
from controltower.domain.analysis import LineOutcome, OrderOutcome
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower_oracle.detectors.context import DetectionContext


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
    waiting: dict[tuple[str, str], list[tuple[OrderOutcome, LineOutcome]]] = defaultdict(list)
    for outcome in context.analysis.orders:
        for line in outcome.lines:
            if line.from_quality_hold:
                waiting[(line.sku, line.warehouse)].append((outcome, line))
    findings: list[Finding] = []
    for (sku, warehouse), lines in sorted(waiting.items()):
        held_qty = sum((h.qty for _, ln in lines for h in ln.from_quality_hold), Decimal(0))
        value = sum(
            (h.qty * ln.unit_price for _, ln in lines for h in ln.from_quality_hold), Decimal(0)
        )
        release = max(h.available_date for _, ln in lines for h in ln.from_quality_hold)
        late = sorted({o.order_id for o, _ in lines if release > o.promised_date})
        severity = context.severity_for_value(value)
        if late:
            severity = raise_severity(severity)
        stock = context.stock(sku, warehouse)
        held_total = stock.quality_hold if stock is not None else held_qty
        findings.append(
            Finding(
                type=ExceptionType.QUALITY_HOLD,
                subject=pool_subject(sku, warehouse),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    held_qty=format_qty(held_qty),
                    held_total=format_qty(held_total),
                    sku=sku,
                    warehouse=warehouse,
                    places=[(o.order_id, str(ln.line)) for o, ln in lines],
                    money=format_money(value),
                    release=release.isoformat(),
                    late=late,
                ),
                cause=pool_subject(sku, warehouse),
                related=tuple(sorted({order_subject(o.order_id) for o, _ in lines})),
                entities=(product_entity(sku),),
                warehouse=warehouse,
                company=context.company_of_warehouse(warehouse),
                customer_tier=context.top_tier(o.customer for o, _ in lines),
            )
        )
    return findings
