"""``expedite_request``: an expedited order that is not fully served from stock, or late.

Expedite means the customer paid or pleaded for speed; anything short of shipping from
stock on time needs a person. The trigger is an open order with ``expedite`` whose
allocation is not ``full`` or that is at risk.
"""

from __future__ import annotations

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    order_cause,
    order_entities,
    order_subject,
)
from controltower.detectors.order_at_risk import next_steps
from controltower.domain.analysis import Allocation
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import format_money
from controltower.domain.model import Tier

_ALLOCATION_WORDS: dict[Allocation, str] = {
    Allocation.FULL: "fully allocated from stock",
    Allocation.PARTIAL: "only partly allocated from stock",
    Allocation.NONE: "not allocated from stock at all",
}


def detect(context: DetectionContext, settings: DetectorSettings) -> list[Finding]:
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
        if outcome.projected_ship_date is None:
            ship = "has no ship date yet"
        else:
            late = f", {outcome.days_late} day(s) late" if outcome.days_late else ", on time"
            ship = f"ships {outcome.projected_ship_date.isoformat()}{late}"
        findings.append(
            Finding(
                type=ExceptionType.EXPEDITE_REQUEST,
                subject=order_subject(outcome.order_id),
                severity=severity,
                value_at_risk=outcome.open_value,
                value_basis="open value of the order: open qty x unit price",
                explanation=(
                    f"Expedited order {outcome.order_id} for "
                    f"{context.customer_phrase(outcome.customer)}, worth "
                    f"{format_money(outcome.open_value)}, "
                    f"promised {outcome.promised_date.isoformat()}, "
                    f"is {_ALLOCATION_WORDS[outcome.allocation]} and {ship}. "
                    + " ".join(outcome.explanation)
                    + " Next: "
                    + "; ".join(next_steps(context, outcome))
                    + "."
                ),
                cause=order_cause(context, outcome),
                entities=order_entities(context, outcome),
                warehouse=outcome.warehouse,
                company=context.company_of_warehouse(outcome.warehouse),
                customer_tier=tier,
            )
        )
    return findings
