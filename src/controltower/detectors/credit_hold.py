"""``credit_hold``: a customer whose open orders are blocked by credit.

The trigger is the engine's credit assessment: the customer is on hold, over its limit
or has an invoice overdue beyond the policy, and has at least one open order with the
``credit`` blocker. One finding per customer (the credit controller decides on the
account, not order by order); it is the root cause of those orders' risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
    order_subject,
)
from controltower.domain.analysis import Blocker
from controltower.domain.cases import ExceptionType, Severity, highest_severity, raise_severity
from controltower.domain.explain import credit_sentences, format_money
from controltower.domain.model import Tier

VALUE_BASIS = "open value of the customer's orders blocked by credit"


def blocked_order(*, order_id: str, promised: str, worth: str) -> str:
    """How one blocked order reads in the finding, shared by the reference detector and
    its columnar twin."""
    return f"{order_id} promised {promised}, worth {worth}"


def explanation(
    *,
    customer: str,
    orders: int,
    worth: str,
    listed: str,
    rules: str,
    disputed: Sequence[str],
    account_owner: str | None,
) -> str:
    """The credit_hold wording, shared by the reference detector and its columnar twin."""
    dispute = (
        f" Disputed invoices: {', '.join(disputed)}; settling them changes the picture."
        if disputed
        else ""
    )
    owner = f" (account owner: {account_owner})" if account_owner else ""
    return (
        f"{customer} has {orders} open order(s) worth {worth} blocked by credit: {listed}. "
        f"{rules}{dispute} Next: review the account{owner}: release the block with approval, "
        f"collect what is overdue, or agree revised dates with the customer."
    )


def detect(context: DetectionContext, settings: DetectorSettings) -> list[Finding]:
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
