"""The reference ``pricing_variance`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
open line priced off list beyond the tolerance. Its settings, value basis and wording
are the product detector's (:mod:`controltower.detectors.columnar.pricing_variance`),
whose findings tests hold equal to these.
"""

from __future__ import annotations

from decimal import Decimal

from controltower.detectors.base import Finding, customer_subject, line_subject, product_entity
from controltower.detectors.columnar.pricing_variance import (
    VALUE_BASIS,
    PricingVarianceSettings,
    explanation,
    percent_text,
)
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, format_qty
from controltower.domain.model import effective_list_price
from controltower_oracle.detectors.context import DetectionContext

_HUNDRED = Decimal(100)


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
            findings.append(
                Finding(
                    type=ExceptionType.PRICING_VARIANCE,
                    subject=line_subject(line.order_id, line.line),
                    severity=severity,
                    value_at_risk=value,
                    value_basis=VALUE_BASIS,
                    explanation=explanation(
                        order_id=line.order_id,
                        line=line.line,
                        customer=context.customer_phrase(outcome.customer),
                        qty=format_qty(line.open_qty),
                        sku=line.sku,
                        price=format_money(line.unit_price),
                        deviation=percent_text(deviation),
                        below=gap < 0,
                        list_price=format_money(list_price),
                        tolerance=percent_text(settings.tolerance_pct),
                        worth=format_money(value),
                    ),
                    cause=line_subject(line.order_id, line.line),
                    entities=(customer_subject(outcome.customer), product_entity(line.sku)),
                    warehouse=outcome.warehouse,
                    company=context.company_of_warehouse(outcome.warehouse),
                    customer_tier=context.tier_of(outcome.customer),
                )
            )
    return findings
