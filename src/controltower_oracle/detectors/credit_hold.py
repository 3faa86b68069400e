"""The reference ``credit_hold`` detector, over value objects.

It reads the picture and the reference analysis one value object at a time and finds a
customer whose open orders are blocked by credit. Its settings, value basis and wording
are the product detector's (:mod:`controltower.detectors.columnar.credit_hold`), whose
findings tests hold equal to these.
"""

from __future__ import annotations

from decimal import Decimal

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
    order_subject,
)
from controltower.detectors.columnar.credit_hold import VALUE_BASIS, blocked_order, explanation
from controltower.domain.analysis import Blocker
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import credit_sentences, format_money
from controltower.domain.model import Tier
from controltower_oracle.detectors.context import DetectionContext


def detect(context: DetectionContext, _settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for code, credit in sorted(context.analysis.credit.items()):
        if not credit.blocked:
            continue
        blocked = [o for o in context.outcomes_of_customer(code) if Blocker.CREDIT in o.blockers]
        if not blocked:
            continue
        value = sum((o.open_value for o in blocked), Decimal(0))
        tier = context.tier_of(code)
        severity = highest_severity([Severity.MEDIUM, context.severity_for_value(value)])
        if tier is Tier.STRATEGIC:
            severity = raise_severity(severity)
        orders = "; ".join(
            blocked_order(
                order_id=o.order_id,
                promised=o.promised_date.isoformat(),
                worth=format_money(o.open_value),
            )
            for o in sorted(blocked, key=lambda o: o.order_id)
        )
        disputed = sorted(
            i.invoice_id for i in context.invoices_of(code) if i.disputed and i.amount_residual > 0
        )
        customer = context.customer(code)
        findings.append(
            Finding(
                type=ExceptionType.CREDIT_HOLD,
                subject=customer_subject(code),
                severity=severity,
                value_at_risk=value,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    customer=context.customer_phrase(code),
                    orders=len(blocked),
                    worth=format_money(value),
                    listed=orders,
                    rules=" ".join(credit_sentences(credit, context.allocation.overdue_days_block)),
                    disputed=disputed,
                    account_owner=customer.account_owner if customer is not None else None,
                ),
                cause=customer_subject(code),
                related=tuple(
                    sorted(
                        [order_subject(o.order_id) for o in blocked]
                        + [invoice_subject(i) for i in disputed]
                    )
                ),
                entities=(customer_subject(code),),
                company=context.company_of_customer(code),
                customer_tier=tier,
            )
        )
    return findings
