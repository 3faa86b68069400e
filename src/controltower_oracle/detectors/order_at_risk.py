"""The reference ``order_at_risk`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds an
open order blocked by credit or shortage, or projected late. Its settings, value basis
and wording are the product detector's
(:mod:`controltower.detectors.columnar.order_at_risk`), whose findings tests hold equal
to these.
"""

from __future__ import annotations

from controltower.detectors.base import Finding, order_subject
from controltower.detectors.columnar.order_at_risk import (
    READY_TO_SHIP_ROUTING,
    OrderAtRiskSettings,
    explanation,
    is_ready_to_ship,
    value_basis,
)
from controltower.domain.analysis import Allocation, Blocker, OrderOutcome
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import format_money
from controltower.domain.model import Tier, effective_accepts_partial
from controltower_oracle.detectors.context import DetectionContext, order_cause, order_entities


def severity_of(
    context: DetectionContext, outcome: OrderOutcome, settings: OrderAtRiskSettings
) -> Severity:
    """The value ladder (at least medium), one step up for a strategic customer and one
    for an order ``days_late_escalation`` or more days late or with no ship date."""
    severity = highest_severity([Severity.MEDIUM, context.severity_for_value(outcome.open_value)])
    if context.tier_of(outcome.customer) is Tier.STRATEGIC:
        severity = raise_severity(severity)
    no_date = outcome.projected_ship_date is None
    if no_date or (outcome.days_late or 0) >= settings.days_late_escalation:
        severity = raise_severity(severity)
    return severity


def next_steps(context: DetectionContext, outcome: OrderOutcome) -> list[str]:
    """What can still save the promise, most direct first."""
    steps: list[str] = []
    if Blocker.CREDIT in outcome.blockers:
        steps.append(f"ask finance to review the credit block on {outcome.customer}")
    for line in outcome.lines:
        rescue = next((alt for alt in line.alternatives if alt.makes_promise), None)
        if rescue is not None:
            steps.append(
                f"transfer {line.sku} from {rescue.from_warehouse} "
                f"(arrives {rescue.arrival_date.isoformat()}, in time)"
            )
    late_pos = sorted(
        {
            peg.po_id
            for line in outcome.lines
            for peg in line.from_inbound
            if peg.available_date > outcome.promised_date
        }
    )
    if late_pos:
        steps.append(f"chase {', '.join(late_pos)} with the supplier for an earlier date")
    if Blocker.QUALITY in outcome.blockers:
        steps.append("ask quality to release the held stock")
    if Blocker.WAREHOUSE_CAPACITY in outcome.blockers:
        steps.append(f"add picking capacity in {outcome.warehouse} or re-sequence picks")
    order = context.sales_order(outcome.order_id)
    customer = context.customer(outcome.customer)
    some_now = outcome.allocation is Allocation.PARTIAL
    if order is not None and effective_accepts_partial(order, customer) and some_now:
        steps.append("ship the available part now (the order accepts partial shipment)")
    if is_ready_to_ship(len(outcome.blockers)):
        steps.append(
            f"ship it from {outcome.warehouse} today: every line is in stock; "
            f"then tell {outcome.customer} it is on its way"
        )
    else:
        steps.append(f"agree a revised date with {outcome.customer} if none of this holds")
    return steps


def detect(context: DetectionContext, settings: OrderAtRiskSettings) -> list[Finding]:
    findings: list[Finding] = []
    for outcome in context.analysis.orders:
        if not outcome.at_risk:
            continue
        value = outcome.open_value
        ship = outcome.projected_ship_date
        findings.append(
            Finding(
                type=ExceptionType.ORDER_AT_RISK,
                subject=order_subject(outcome.order_id),
                severity=severity_of(context, outcome, settings),
                value_at_risk=value,
                value_basis=value_basis(open_lines=len(outcome.lines)),
                explanation=explanation(
                    order_id=outcome.order_id,
                    customer=context.customer_phrase(outcome.customer),
                    value=format_money(value),
                    promised=outcome.promised_date.isoformat(),
                    ship=ship.isoformat() if ship is not None else None,
                    days_late=outcome.days_late or 0,
                    blockers=", ".join(b.value for b in outcome.blockers),
                    story=" ".join(outcome.explanation),
                    steps="; ".join(next_steps(context, outcome)),
                ),
                cause=order_cause(outcome),
                related=(),
                entities=order_entities(context, outcome),
                warehouse=outcome.warehouse,
                company=context.company_of_warehouse(outcome.warehouse),
                customer_tier=context.tier_of(outcome.customer),
                routing=READY_TO_SHIP_ROUTING if is_ready_to_ship(len(outcome.blockers)) else None,
            )
        )
    return findings
