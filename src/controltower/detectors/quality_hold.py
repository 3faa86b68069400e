"""``quality_hold``: demand waiting on stock that quality is holding.

Held stock is expected back ``quality_release_days`` after D; until quality releases
it, the lines pegged to it cannot ship. The trigger is an order line taking from
quality-held stock; one finding per pool (quality releases a pool's held stock, not a
line), and the pool is the cause those orders' risk is grouped under.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    order_subject,
    pool_subject,
    product_entity,
)
from controltower.domain.analysis import LineOutcome, OrderOutcome
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty

VALUE_BASIS = "held qty pegged to orders x their unit price"


def explanation(
    *,
    held_qty: str,
    held_total: str,
    sku: str,
    warehouse: str,
    places: Sequence[tuple[str, str]],
    money: str,
    release: str,
    late: Sequence[str],
) -> str:
    """The quality_hold wording, shared by the reference detector and its columnar twin."""
    where = ", ".join(f"{order_id} line {line}" for order_id, line in places)
    lateness = f" Waiting makes {', '.join(late)} miss the promise." if late else ""
    return (
        f"{held_qty} of the {held_total} {sku} held by quality in {warehouse} are promised "
        f"to {len(places)} order line(s) ({where}) worth {money}; release is "
        f"expected {release}.{lateness} Next: inspect and release the held stock, or declare "
        f"it unusable so planning can replace it."
    )


def detect(context: DetectionContext, settings: DetectorSettings) -> list[Finding]:
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
