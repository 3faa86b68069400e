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
_TENTH = Decimal("0.1")

VALUE_BASIS = "|unit price - list price| x open qty"


class PricingVarianceSettings(DetectorSettings, Protocol):
    @property
    def tolerance_pct(self) -> Decimal: ...


def percent_text(value: Decimal) -> str:
    """A percentage as the finding shows it, to a tenth: ``12.5%``."""
    return f"{value.quantize(_TENTH)}%"


def explanation(
    *,
    order_id: str,
    line: int,
    customer: str,
    qty: str,
    sku: str,
    price: str,
    deviation: str,
    below: bool,
    list_price: str,
    tolerance: str,
    worth: str,
) -> str:
    """The pricing_variance wording, shared by the reference detector and its columnar
    twin."""
    return (
        f"Order {order_id} line {line} for {customer} sells {qty} {sku} at {price}, "
        f"{deviation} {'below' if below else 'above'} the list price {list_price} "
        f"(tolerance {tolerance}): {worth} "
        f"{'of margin given away' if below else 'charged over list'}. "
        f"Next: approve the price as an override or correct it before the line ships."
    )


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
