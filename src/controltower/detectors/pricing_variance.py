"""``pricing_variance``: an open line priced off list beyond the tolerance.

A price below list gives margin away, above list overcharges a customer; either needs
someone to approve it before the goods ship. The trigger is an open order line whose
effective unit price differs from its effective list price by more than
``tolerance_pct`` percent of the list price (lines with no or a zero list price are
not judged).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    customer_subject,
    line_subject,
    product_entity,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import effective_list_price

_HUNDRED = Decimal(100)


class PricingVarianceSettings(DetectorSettings, Protocol):
    @property
    def tolerance_pct(self) -> Decimal: ...


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}%"


def detect(context: DetectionContext, settings: PricingVarianceSettings) -> list[Finding]:
    findings: list[Finding] = []
    for outcome in context.analysis.orders:
        for line in outcome.lines:
            source = context.sales_order_line(line.order_id, line.line)
            if source is None:
                continue
            list_price = effective_list_price(source, context.product(line.sku))
            if list_price is None or list_price <= 0:
                continue
            gap = line.unit_price - list_price
            deviation = abs(gap) / list_price * _HUNDRED
            if deviation <= settings.tolerance_pct:
                continue
            value = abs(gap) * line.open_qty
            severity = context.severity_for_value(value)
            if deviation > 2 * settings.tolerance_pct:
                severity = raise_severity(severity)
            direction = "below" if gap < 0 else "above"
            findings.append(
                Finding(
                    type=ExceptionType.PRICING_VARIANCE,
                    subject=line_subject(line.order_id, line.line),
                    severity=severity,
                    value_at_risk=value,
                    value_basis="|unit price - list price| x open qty",
                    explanation=(
                        f"Order {line.order_id} line {line.line} for "
                        f"{context.customer_phrase(outcome.customer)} sells "
                        f"{format_qty(line.open_qty)} {line.sku} "
                        f"at {format_money(line.unit_price)}, "
                        f"{_pct(deviation)} {direction} the list price {format_money(list_price)} "
                        f"(tolerance {_pct(settings.tolerance_pct)}): {format_money(value)} "
                        f"{'of margin given away' if gap < 0 else 'charged over list'}. "
                        f"Next: approve the price as an override or correct it before the "
                        f"line ships."
                    ),
                    cause=line_subject(line.order_id, line.line),
                    entities=(customer_subject(outcome.customer), product_entity(line.sku)),
                    warehouse=outcome.warehouse,
                    company=context.company_of_warehouse(outcome.warehouse),
                    customer_tier=context.tier_of(outcome.customer),
                )
            )
    return findings
