"""``invoice_blocked``: a disputed invoice with money still owed.

A disputed invoice cannot be collected; it keeps counting toward the customer's credit
exposure and can block their orders. The trigger is an invoice with ``disputed`` true
and ``amount_residual > 0``. Its cause is the customer account, so it is grouped with
the credit hold it feeds.
"""

from __future__ import annotations

from collections.abc import Sequence

from controltower.detectors.base import (
    DetectionContext,
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
    order_subject,
)
from controltower.domain.analysis import Blocker
from controltower.domain.cases import ExceptionType, raise_severity
from controltower.domain.explain import format_money, plural

VALUE_BASIS = "amount still owed on the invoice"


def explanation(
    *,
    invoice_id: str,
    customer: str,
    amount: str,
    due_date: str,
    overdue_days: int,
    code: str,
    exposure: str | None,
    blocked: Sequence[str],
    account_owner: str | None,
) -> str:
    """The invoice_blocked wording, shared by the reference detector and its columnar twin.

    The credit clause is said only with both the customer's ``exposure`` and orders
    ``blocked`` by credit.
    """
    due = (
        f"{plural(overdue_days, 'day')} past its due date {due_date}"
        if overdue_days > 0
        else f"due {due_date}"
    )
    if blocked and exposure is not None:
        blocking = (
            f" It counts toward {code}'s credit exposure of {exposure}, and "
            f"{code}'s {plural(len(blocked), 'order')} ({', '.join(blocked)}) "
            f"{'is' if len(blocked) == 1 else 'are'} blocked by credit."
        )
    else:
        blocking = ""
    owner = f" with the account owner {account_owner}" if account_owner else ""
    return (
        f"Invoice {invoice_id} of {customer} for {amount}, {due}, is disputed and cannot be "
        f"collected.{blocking} Next: settle the dispute{owner} (a credit note or a "
        f"confirmation the customer accepts)."
    )


def detect(context: DetectionContext, settings: DetectorSettings) -> list[Finding]:
    findings: list[Finding] = []
    for invoice in sorted(context.dataset.invoices, key=lambda i: i.invoice_id):
        if not invoice.disputed or invoice.amount_residual <= 0:
            continue
        code = invoice.customer
        blocked = sorted(
            o.order_id for o in context.outcomes_of_customer(code) if Blocker.CREDIT in o.blockers
        )
        severity = context.severity_for_value(invoice.amount_residual)
        if blocked:
            severity = raise_severity(severity)
        credit = context.analysis.credit.get(code)
        customer = context.customer(code)
        findings.append(
            Finding(
                type=ExceptionType.INVOICE_BLOCKED,
                subject=invoice_subject(invoice.invoice_id),
                severity=severity,
                value_at_risk=invoice.amount_residual,
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    invoice_id=invoice.invoice_id,
                    customer=context.customer_phrase(code),
                    amount=format_money(invoice.amount_residual),
                    due_date=invoice.due_date.isoformat(),
                    overdue_days=(context.as_of - invoice.due_date).days,
                    code=code,
                    exposure=(
                        format_money(credit.exposure) if blocked and credit is not None else None
                    ),
                    blocked=blocked,
                    account_owner=customer.account_owner if customer is not None else None,
                ),
                cause=customer_subject(code),
                related=tuple(order_subject(o) for o in blocked),
                entities=(customer_subject(code),),
                company=context.company_of_customer(code),
                customer_tier=context.tier_of(code),
            )
        )
    return findings
