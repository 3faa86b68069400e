"""The reference ``expedite_request`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
expedited order that is not fully served from stock, or late. Its settings, value basis
and wording are the product detector's
(:mod:`controltower.detectors.columnar.expedite_request`), whose findings tests hold
equal to these.
"""

from __future__ import annotations

from controltower.detectors.base import DetectorSettings, Finding, order_subject
from controltower.detectors.columnar.expedite_request import (
    ALLOCATION_PHRASES,
    VALUE_BASIS,
    explanation,
)
from controltower.domain.analysis import Allocation
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import format_money
from controltower.domain.model import Tier
from controltower_oracle.detectors.context import DetectionContext, order_cause, order_entities
from controltower_oracle.detectors.order_at_risk import next_steps


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for outcome in context.analysis.orders:
        order = context.sales_order(outcome.order_id)
        if order is None or not order.expedite:
            continue
        if outcome.allocation is Allocation.FULL and not outcome.at_risk:
            continue
        tier = context.tier_of(outcome.customer)
        severity = highest_severity(
            [Severity.MEDIUM, context.severity_for_value(outcome.open_value)]
        )
        if outcome.at_risk:
            severity = raise_severity(severity)
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        ship = outcome.projected_ship_date
        findings.append(
            Finding(
                type=ExceptionType.EXPEDITE_REQUEST,
                subject=order_subject(outcome.order_id),
                severity=severity,
                value_at_risk=outcome.open_value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    order_id=outcome.order_id,
                    customer=context.customer_phrase(outcome.customer),
                    money=format_money(outcome.open_value),
                    promised=outcome.promised_date.isoformat(),
                    allocation=ALLOCATION_PHRASES[outcome.allocation],
                    ship=None if ship is None else ship.isoformat(),
                    days_late=outcome.days_late or 0,
                    story=" ".join(outcome.explanation),
                    steps="; ".join(next_steps(context, outcome)),
                ),
                cause=order_cause(outcome),
                entities=order_entities(context, outcome),
                warehouse=outcome.warehouse,
                company=context.company_of_warehouse(outcome.warehouse),
                customer_tier=tier,
            )
        )
    return findings
