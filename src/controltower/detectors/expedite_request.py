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

VALUE_BASIS = "open value of the order: open qty x unit price"
_ALLOCATION_WORDS: dict[Allocation, str] = {
    Allocation.FULL: "fully allocated from stock",
    Allocation.PARTIAL: "only partly allocated from stock",
    Allocation.NONE: "not allocated from stock at all",
}


def explanation(
    *,
    order_id: str,
    customer: str,
    money: str,
    promised: str,
    allocation: str,
    ship: str | None,
    days_late: int,
    story: str,
    steps: str,
) -> str:
    """The expedite_request wording, shared by the reference detector and its columnar twin."""
    if ship is None:
        when = "has no ship date yet"
    else:
        when = f"ships {ship}" + (f", {days_late} day(s) late" if days_late > 0 else ", on time")
    return (
        f"Expedited order {order_id} for {customer}, worth {money}, promised {promised}, "
        f"is {allocation} and {when}. {story} Next: {steps}."
    )


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
                    allocation=_ALLOCATION_WORDS[outcome.allocation],
                    ship=None if ship is None else ship.isoformat(),
                    days_late=outcome.days_late or 0,
                    story=" ".join(outcome.explanation),
                    steps="; ".join(next_steps(context, outcome)),
                ),
                cause=order_cause(context, outcome),
                entities=order_entities(context, outcome),
                warehouse=outcome.warehouse,
                company=context.company_of_warehouse(outcome.warehouse),
                customer_tier=tier,
            )
        )
    return findings
