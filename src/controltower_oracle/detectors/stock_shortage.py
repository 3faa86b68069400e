"""The reference ``stock_shortage`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
pool (SKU in a warehouse) has demand no supply covers. Its settings, value basis and
wording are the product detector's
(:mod:`controltower.detectors.columnar.stock_shortage`), whose findings tests hold equal
to these.
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
from controltower.detectors.columnar.stock_shortage import VALUE_BASIS, explanation
from controltower.domain.analysis import LineOutcome, OrderOutcome, TransferAlternative
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import Tier
from controltower_oracle.detectors.context import DetectionContext


def _short_lines_by_pool(
    context: DetectionContext,
) -> dict[tuple[str, str], list[tuple[OrderOutcome, LineOutcome]]]:
    pools: dict[tuple[str, str], list[tuple[OrderOutcome, LineOutcome]]] = defaultdict(list)
    for outcome in context.analysis.orders:
        for line in outcome.lines:
            if line.short_qty > 0:
                pools[(line.sku, line.warehouse)].append((outcome, line))
    return pools


def _best_transfers(lines: list[tuple[OrderOutcome, LineOutcome]]) -> list[TransferAlternative]:
    """One alternative per source warehouse (they all see the same free stock)."""
    by_source: dict[str, TransferAlternative] = {}
    for _, line in lines:
        for alt in line.alternatives:
            by_source.setdefault(alt.from_warehouse, alt)
    return sorted(by_source.values(), key=lambda a: (a.arrival_date, a.from_warehouse))


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for (sku, warehouse), lines in sorted(_short_lines_by_pool(context).items()):
        short = sum((line.short_qty for _, line in lines), Decimal(0))
        value = sum((line.short_qty * line.unit_price for _, line in lines), Decimal(0))
        customers = sorted({outcome.customer for outcome, _ in lines})
        tier = context.top_tier(customers)
        severity = highest_severity([Severity.MEDIUM, context.severity_for_value(value)])
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        findings.append(
            Finding(
                type=ExceptionType.STOCK_SHORTAGE,
                subject=pool_subject(sku, warehouse),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    sku=sku,
                    warehouse=warehouse,
                    short=format_qty(short),
                    lines=[(o.order_id, str(ln.line)) for o, ln in lines],
                    value=format_money(value),
                    customers=[context.customer_phrase(c) for c in customers],
                    transfers=[
                        (alt.from_warehouse, format_qty(alt.free_qty), alt.arrival_date.isoformat())
                        for alt in _best_transfers(lines)
                    ],
                ),
                cause=pool_subject(sku, warehouse),
                related=tuple(sorted({order_subject(o.order_id) for o, _ in lines})),
                entities=(product_entity(sku),),
                warehouse=warehouse,
                company=context.company_of_warehouse(warehouse),
                customer_tier=tier,
            )
        )
    return findings
